//! Fuzz checks for dlpjet, shared by the cargo-fuzz targets and the regression replay test in
//! `core/tests/fuzz_regressions.rs` (which includes `checks.rs` directly).

#[path = "checks.rs"]
pub mod checks;
