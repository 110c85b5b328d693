//! Replays every committed fuzz regression input of the engine's targets
//! (`fuzz/regressions/{scan,stream,redact}/*`) through the same checks the fuzz targets run, so a
//! crash once found stays fixed.

#[path = "../../fuzz/src/checks.rs"]
mod checks;
#[path = "../../fuzz/src/replay.rs"]
mod replay;

use replay::replay;

#[test]
fn fuzz_regressions_stay_fixed() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let n = replay(dir, "scan", checks::scan)
        + replay(dir, "stream", checks::stream)
        + replay(dir, "redact", checks::redact);
    assert!(n > 0, "no regression inputs found");
}
