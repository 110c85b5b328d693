//! The exception hierarchy, and the guard that turns a Rust panic into one of them.

use dlpjet_policy::{BlockReason, PolicyError as EnginePolicyError, PolicyErrorKind};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use std::panic::{catch_unwind, AssertUnwindSafe};

create_exception!(dlpjet, DlpError, PyException, "Base class of every error dlpjet raises.");
/// The docstring of `PolicyError`.
const POLICY_ERROR_DOC: &str = "A policy that could not be loaded (a ``ValueError``: the value given is wrong).\n\n\
     Attributes: ``kind`` (``\"syntax\"``, ``\"unknown_detector\"``, …), ``file`` (path or None), ``line`` and \
     ``column`` (from 1, or None), ``field`` (the dotted path of the offending setting, or ``\"\"``) and \
     ``reason`` (what was wrong).";
static POLICY_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static UNKNOWN_TENANT_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// A class `dlpjet.NAME` deriving from `bases`, made once with Python's `type()`: unlike
/// `create_exception!`, it can have two bases (`DlpError` and `ValueError`).
fn class<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyType>>,
    name: &str,
    doc: &str,
    bases: impl FnOnce() -> PyResult<Bound<'py, PyTuple>>,
) -> PyResult<Bound<'py, PyType>> {
    let ty = cell.get_or_try_init(py, || -> PyResult<Py<PyType>> {
        let dict = PyDict::new(py);
        dict.set_item("__module__", "dlpjet")?;
        dict.set_item("__doc__", doc)?;
        let made = py.get_type::<PyType>().call1((name, bases()?, dict))?;
        Ok(made.cast_into::<PyType>()?.unbind())
    })?;
    Ok(ty.bind(py).clone())
}

/// `dlpjet.PolicyError`: a `DlpError` and a `ValueError`.
pub fn policy_error_type(py: Python<'_>) -> PyResult<Bound<'_, PyType>> {
    class(py, &POLICY_ERROR, "PolicyError", POLICY_ERROR_DOC, || {
        PyTuple::new(py, [py.get_type::<DlpError>(), py.get_type::<PyValueError>()])
    })
}

/// `dlpjet.UnknownTenantError`: a `PolicyError` naming a tenant the policy does not define.
pub fn unknown_tenant_error_type(py: Python<'_>) -> PyResult<Bound<'_, PyType>> {
    class(py, &UNKNOWN_TENANT_ERROR, "UnknownTenantError", "The policy has no tenant of the requested name.", || {
        PyTuple::new(py, [policy_error_type(py)?])
    })
}

/// A new exception of class `ty` with `message`, or the error of making the class.
fn new_err(ty: PyResult<Bound<'_, PyType>>, message: String) -> PyErr {
    match ty {
        Ok(ty) => PyErr::from_type(ty, message),
        Err(e) => e,
    }
}
create_exception!(
    dlpjet,
    BlockedError,
    DlpError,
    "The policy blocks this text, so there is nothing to pass on.\n\nAttributes: ``code`` (``\"detector\"`` or \
     ``\"input_too_large\"``), ``detector`` and ``hits`` (for a blocking detector), ``limit`` (for a size limit). \
     Never holds the sensitive value."
);
create_exception!(
    dlpjet,
    InternalError,
    DlpError,
    "A bug in dlpjet (a Rust panic), reported as an exception instead of a crash."
);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("DlpError", py.get_type::<DlpError>())?;
    m.add("PolicyError", policy_error_type(py)?)?;
    m.add("UnknownTenantError", unknown_tenant_error_type(py)?)?;
    m.add("BlockedError", py.get_type::<BlockedError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    Ok(())
}

/// A policy error as the Python exception, its parts as attributes.
pub fn policy_error(py: Python<'_>, e: &EnginePolicyError) -> PyErr {
    let err = match e.kind() {
        PolicyErrorKind::UnknownTenant => new_err(unknown_tenant_error_type(py), e.to_string()),
        _ => new_err(policy_error_type(py), e.to_string()),
    };
    let file = e.file().map(|f| f.display().to_string());
    let v = err.value(py);
    // Setting attributes on a fresh exception instance cannot fail.
    let _ = v.setattr("kind", e.kind().as_str());
    let _ = v.setattr("file", file);
    let _ = v.setattr("line", e.line());
    let _ = v.setattr("column", e.column());
    let _ = v.setattr("field", e.field());
    let _ = v.setattr("reason", e.message());
    err
}

/// A policy error found by the binding itself (no file position).
pub fn policy_error_here(py: Python<'_>, kind: &str, field: &str, reason: String) -> PyErr {
    let err = new_err(policy_error_type(py), format!("{field}: {reason}"));
    let v = err.value(py);
    let _ = v.setattr("kind", kind);
    let _ = v.setattr("file", None::<String>);
    let _ = v.setattr("line", None::<usize>);
    let _ = v.setattr("column", None::<usize>);
    let _ = v.setattr("field", field);
    let _ = v.setattr("reason", reason);
    err
}

/// The exception for a blocked text.
pub fn blocked(py: Python<'_>, reason: &BlockReason) -> PyErr {
    let err = BlockedError::new_err(format!("blocked by policy: {reason}"));
    let (detector, hits, limit) = match reason {
        BlockReason::Detector { detector, hits } => (Some(detector.to_string()), Some(*hits), None),
        BlockReason::InputTooLarge { limit } => (None, None, Some(*limit)),
    };
    let v = err.value(py);
    let _ = v.setattr("code", reason.code());
    let _ = v.setattr("detector", detector);
    let _ = v.setattr("hits", hits);
    let _ = v.setattr("limit", limit);
    err
}

/// Runs `f`, turning a panic into [`InternalError`] so that no Rust panic reaches Python as a
/// `BaseException` (which `except Exception` would not catch).
pub fn guard<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(InternalError::new_err(format!("internal error in dlpjet (please report it): {what}")))
    })
}

/// Panics inside [`guard`], so the tests can check that a panic arrives as `InternalError`.
#[pyfunction]
#[pyo3(name = "_raise_internal_error_for_tests")]
pub fn raise_internal_error_for_tests() -> PyResult<()> {
    guard(|| panic!("deliberate panic from the test hook"))
}
