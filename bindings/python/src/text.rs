//! What the binding accepts as text: `str` (offsets in code points) or bytes-like objects
//! (offsets in bytes).

use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};
use std::borrow::Cow;

/// One input's bytes and whether it came as `str`.
#[derive(Debug)]
pub struct Input<'a> {
    pub data: Cow<'a, [u8]>,
    pub text: bool,
}

impl<'a> Input<'a> {
    /// Reads `obj` as an input of `what` (named in the error): `str`, `bytes`, `bytearray` or
    /// any object with the buffer protocol (mutable ones are copied first).
    pub fn of(obj: &'a Bound<'_, PyAny>, what: &str) -> PyResult<Input<'a>> {
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(Input { data: Cow::Borrowed(s.to_str()?.as_bytes()), text: true });
        }
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Input { data: Cow::Borrowed(b.as_bytes()), text: false });
        }
        if let Ok(b) = obj.cast::<PyByteArray>() {
            return Ok(Input { data: Cow::Owned(b.to_vec()), text: false });
        }
        if let Ok(buf) = PyBuffer::<u8>::get(obj) {
            return Ok(Input { data: Cow::Owned(buf.to_vec(obj.py())?), text: false });
        }
        Err(wrong_type(obj, what))
    }
}

pub fn wrong_type(obj: &Bound<'_, PyAny>, what: &str) -> PyErr {
    let name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    PyTypeError::new_err(format!("{what} expects str or bytes, got {name}"))
}

/// The output for an input of the given kind: `str` for text, `bytes` otherwise.
pub fn output<'py>(py: Python<'py>, data: &[u8], text: bool) -> Bound<'py, PyAny> {
    if text {
        PyString::new(py, &String::from_utf8_lossy(data)).into_any()
    } else {
        PyBytes::new(py, data).into_any()
    }
}

/// `"inbound"`, `"outbound"` or `"both"`.
pub fn direction(name: &str) -> PyResult<dlpjet_policy::Direction> {
    dlpjet_policy::Direction::from_name(name).ok_or_else(|| {
        PyValueError::new_err(format!("direction must be \"inbound\", \"outbound\" or \"both\", not {name:?}"))
    })
}
