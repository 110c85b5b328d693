//! Replaying committed fuzz inputs as ordinary tests: included (`#[path]`) by each crate's
//! `tests/fuzz_regressions.rs`, beside the checks the fuzz targets run.

use std::path::Path;

/// Runs `check` on every file of `fuzz/regressions/<target>/` (from the crate at `manifest_dir`,
/// one level below the repository root) and returns how many there were; a check that panics
/// fails the test, naming the input.
pub fn replay(manifest_dir: &str, target: &str, check: fn(&[u8])) -> usize {
    let dir = Path::new(manifest_dir).join("../fuzz/regressions").join(target);
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
