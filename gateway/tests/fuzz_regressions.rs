//! Replays the committed fuzz inputs of the gateway target (`fuzz/regressions/gateway/*`)
//! through the checks the fuzz target runs, so a crash once found stays fixed.

#[path = "../../fuzz/src/gateway_checks.rs"]
mod gateway_checks;

use std::path::PathBuf;

#[test]
fn gateway_fuzz_regressions_stay_fixed() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/gateway");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = entry.unwrap().path();
        let data = std::fs::read(&p).unwrap();
        let r = std::panic::catch_unwind(|| gateway_checks::gateway(&data));
        assert!(r.is_ok(), "{} fails again", p.display());
        n += 1;
    }
    assert!(n > 0, "no regression inputs found");
}
