#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| dlpjet_fuzz::policy_checks::policy(data));
