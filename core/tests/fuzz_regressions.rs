//! Replays every committed fuzz regression input (`fuzz/regressions/<target>/*`) through the
//! same checks the fuzz targets run, so a crash once found stays fixed.

#[path = "../../fuzz/src/checks.rs"]
mod checks;

use std::path::PathBuf;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions").join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = entry.unwrap().path();
        let data = std::fs::read(&p).unwrap();
        let r = std::panic::catch_unwind(|| check(&data));
        assert!(r.is_ok(), "{} fails again", p.display());
        n += 1;
    }
    n
}

#[test]
fn fuzz_regressions_stay_fixed() {
    let n = replay("scan", checks::scan) + replay("stream", checks::stream) + replay("redact", checks::redact);
    assert!(n > 0, "no regression inputs found");
}
