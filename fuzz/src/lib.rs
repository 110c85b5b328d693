//! Fuzz checks for dlpjet, shared by the cargo-fuzz targets and the regression replay tests in
//! `core/tests/fuzz_regressions.rs`, `policy/tests/fuzz_regressions.rs` and
//! `gateway/tests/fuzz_regressions.rs` (which include these files directly).

#[path = "checks.rs"]
pub mod checks;
#[path = "policy_checks.rs"]
pub mod policy_checks;
#[path = "gateway_checks.rs"]
pub mod gateway_checks;
