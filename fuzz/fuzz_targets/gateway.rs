#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| dlpjet_fuzz::gateway_checks::gateway(data));
