//! The native half of the `dlpjet` Python package (`dlpjet._dlpjet`).
//!
//! Everything that touches text runs here, in Rust: scanning, redaction, policy decisions, the
//! batch calls over whole columns (with the GIL released and the rows spread over every core)
//! and the streams. The pure-Python half (`python/dlpjet`) adapts pandas, Arrow and Polars
//! columns to the batch calls and turns their results into tables.

use pyo3::prelude::*;

mod audit;
mod batch;
mod errors;
mod findings;
mod scanner;
mod stream;
mod text;

/// The native module. Its classes are re-exported by the `dlpjet` package; use them from there.
#[pymodule]
fn _dlpjet(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<scanner::Scanner>()?;
    m.add_class::<findings::Finding>()?;
    m.add_class::<findings::Decision>()?;
    m.add_class::<stream::ScanStream>()?;
    m.add_class::<stream::RedactStream>()?;
    m.add_function(wrap_pyfunction!(scanner::catalog, m)?)?;
    m.add_class::<audit::AuditLog>()?;
    m.add_function(wrap_pyfunction!(audit::audit_verify, m)?)?;
    m.add_function(wrap_pyfunction!(audit::audit_query, m)?)?;
    m.add_function(wrap_pyfunction!(audit::audit_keygen, m)?)?;
    m.add("AuditError", m.py().get_type::<audit::AuditError>())?;
    m.add_function(wrap_pyfunction!(errors::raise_internal_error_for_tests, m)?)?;
    errors::register(m)
}
