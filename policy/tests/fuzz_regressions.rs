//! Replays every committed policy fuzz regression input (`fuzz/regressions/policy/*`) through
//! the same check the fuzz target runs, so a crash once found stays fixed.

#[path = "../../fuzz/src/policy_checks.rs"]
mod policy_checks;
#[path = "../../fuzz/src/replay.rs"]
mod replay;

#[test]
fn fuzz_regressions_stay_fixed() {
    let n = replay::replay(env!("CARGO_MANIFEST_DIR"), "policy", policy_checks::policy);
    assert!(n > 0, "no regression inputs found");
}
