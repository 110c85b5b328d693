//! Streams: scanning and redacting text that arrives piece by piece.

use crate::errors::{blocked, guard};
use crate::findings::{Decision, Finding};
use crate::text::{output, Input};
use dlpjet_policy::{Direction, PolicyStream, Tenant};
use engine::offsets::{incomplete_tail, units_in, Unit};
use engine::{Event, StreamScanner};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

/// Whether a stream's chunks are `str` (fixed by its first chunk).
fn kind_of(kind: &mut Option<bool>, input: &Input<'_>) -> PyResult<()> {
    match *kind {
        None => {
            *kind = Some(input.text);
            Ok(())
        }
        Some(k) if k == input.text => Ok(()),
        Some(k) => Err(PyTypeError::new_err(format!(
            "this stream was fed {} chunks; it cannot take {} now",
            if k { "str" } else { "bytes" },
            if input.text { "str" } else { "bytes" }
        ))),
    }
}

fn finished() -> PyErr {
    PyValueError::new_err("the stream is finished")
}

/// Scans a text fed in chunks of any size. A value split across chunks is found as if the
/// text had come whole; offsets count from the start of the stream (code points for ``str``
/// chunks, bytes for ``bytes``). Use it from one thread at a time.
///
/// >>> import dlpjet
/// >>> st = dlpjet.Scanner().stream()
/// >>> st.feed("mail jane.doe@exa")
/// []
/// >>> [(f.detector, f.start, f.end) for f in st.feed("mple.org now") + st.finish()]
/// [('email', 5, 25)]
#[pyclass(module = "dlpjet")]
#[derive(Debug)]
pub struct ScanStream {
    tenant: Tenant,
    inner: Option<StreamScanner>,
    text: Option<bool>,
    /// Code points handed out so far (for `str` chunks).
    chars: usize,
}

impl ScanStream {
    pub fn new(tenant: Tenant, d: Direction) -> ScanStream {
        let inner = Some(tenant.scanner(d).stream());
        ScanStream { tenant, inner, text: None, chars: 0 }
    }

    fn step(&mut self, chunk: Option<&Input<'_>>) -> PyResult<Vec<Finding>> {
        let Self { tenant, inner, text, chars } = self;
        let stream = inner.as_mut().ok_or_else(finished)?;
        let text = text.unwrap_or(false);
        let mut out = Vec::new();
        let mut on = |e: Event<'_>| match e {
            Event::Bytes(b) => {
                if text {
                    *chars += units_in(b, Unit::CodePoint);
                }
            }
            Event::Finding(f, v) => {
                let at = text.then(|| {
                    let start = *chars;
                    *chars += units_in(v, Unit::CodePoint);
                    (start, *chars)
                });
                if let Some(a) = tenant.action_for(f) {
                    out.push(Finding::at(f, a, v, at));
                }
            }
        };
        match chunk {
            Some(c) => stream.push_events(&c.data, &mut on),
            None => stream.finish_events(&mut on),
        }
        Ok(out)
    }
}

#[pymethods]
impl ScanStream {
    /// Scans the next chunk (``str`` or ``bytes``, the same kind as the first) and returns the
    /// findings it completed.
    fn feed(&mut self, chunk: &Bound<'_, PyAny>) -> PyResult<Vec<Finding>> {
        guard(|| {
            let input = Input::of(chunk, "feed()")?;
            kind_of(&mut self.text, &input)?;
            self.step(Some(&input))
        })
    }

    /// Ends the stream and returns the findings still held back. Later calls raise ValueError.
    fn finish(&mut self) -> PyResult<Vec<Finding>> {
        guard(|| {
            let out = self.step(None)?;
            self.inner = None;
            Ok(out)
        })
    }

    /// Bytes fed but not yet decided (they could still be part of a finding).
    #[getter]
    fn held_back(&self) -> usize {
        self.inner.as_ref().map_or(0, |s| s.held_back())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(
        &mut self,
        _t: Option<&Bound<'_, PyAny>>,
        _v: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) {
        self.inner = None;
    }
}

/// Applies the policy to a text fed in chunks: each ``feed`` returns the output that became
/// final (with the findings the policy redacts rewritten), ``finish`` the rest and the
/// ``decision``. Only the bytes that could still be part of a value are held back.
/// Raises ``BlockedError`` once the policy blocks the stream; nothing of the blocking value
/// has been returned. Use it from one thread at a time.
///
/// >>> import dlpjet
/// >>> st = dlpjet.Scanner().redact_stream()
/// >>> st.feed("mail jane.doe@exa") + st.feed("mple.org now") + st.finish()
/// 'mail [EMAIL] now'
#[pyclass(module = "dlpjet")]
#[derive(Debug)]
pub struct RedactStream {
    inner: Option<PolicyStream>,
    text: Option<bool>,
    /// The start of a UTF-8 sequence whose rest has not been released yet (for `str` output).
    carry: Vec<u8>,
    decision: Option<Py<Decision>>,
}

impl RedactStream {
    pub fn new(tenant: &Tenant, d: Direction) -> RedactStream {
        RedactStream { inner: Some(tenant.stream(d)), text: None, carry: Vec::new(), decision: None }
    }

    /// `out` (after the carried bytes) as the output object; for text, an incomplete UTF-8
    /// sequence at the end waits for the next call unless `last`.
    fn emit<'py>(&mut self, py: Python<'py>, mut out: Vec<u8>, last: bool) -> Bound<'py, PyAny> {
        if self.text != Some(true) {
            return output(py, &out, false);
        }
        if !self.carry.is_empty() {
            out.splice(0..0, self.carry.drain(..));
        }
        if !last {
            let keep = incomplete_tail(&out);
            self.carry.extend_from_slice(&out[out.len() - keep..]);
            out.truncate(out.len() - keep);
        }
        output(py, &out, true)
    }
}

#[pymethods]
impl RedactStream {
    /// Applies the policy to the next chunk (``str`` or ``bytes``, the same kind as the first)
    /// and returns the output that became final, of the same kind.
    fn feed<'py>(&mut self, py: Python<'py>, chunk: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let input = Input::of(chunk, "feed()")?;
            kind_of(&mut self.text, &input)?;
            let stream = self.inner.as_mut().ok_or_else(finished)?;
            let mut out = Vec::with_capacity(input.data.len());
            stream.push(&input.data, &mut out).map_err(|b| blocked(py, &b.reason))?;
            Ok(self.emit(py, out, false))
        })
    }

    /// Ends the stream and returns the rest of the output; the decision is then in
    /// ``decision``. Raises ``BlockedError`` when the policy blocked the stream.
    fn finish<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let stream = self.inner.take().ok_or_else(finished)?;
            let mut out = Vec::new();
            let d = stream.finish(&mut out);
            self.decision = Some(Py::new(py, Decision::streamed(py, &d)?)?);
            if let Some(r) = d.reason.as_ref().filter(|_| d.action == dlpjet_policy::Action::Block) {
                return Err(blocked(py, r));
            }
            Ok(self.emit(py, out, true))
        })
    }

    /// The policy's decision about the whole stream, once it is finished (else ``None``).
    /// The text was streamed, not kept: the findings' offsets are bytes of the stream (its
    /// UTF-8 for ``str`` chunks), their values empty, and there is no ``output``.
    #[getter]
    fn decision(&self, py: Python<'_>) -> Option<Py<Decision>> {
        self.decision.as_ref().map(|d| d.clone_ref(py))
    }

    /// Bytes fed but not yet released.
    #[getter]
    fn held_back(&self) -> usize {
        self.inner.as_ref().map_or(0, |s| s.held_back()) + self.carry.len()
    }
}
