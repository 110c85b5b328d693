//! Replays the committed fuzz inputs of the gateway target (`fuzz/regressions/gateway/*`)
//! through the checks the fuzz target runs, so a crash once found stays fixed.

#[path = "../../fuzz/src/gateway_checks.rs"]
mod gateway_checks;
#[path = "../../fuzz/src/replay.rs"]
mod replay;

#[test]
fn gateway_fuzz_regressions_stay_fixed() {
    let n = replay::replay(env!("CARGO_MANIFEST_DIR"), "gateway", gateway_checks::gateway);
    assert!(n > 0, "no regression inputs found");
}
