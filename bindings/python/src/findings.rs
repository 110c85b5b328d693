//! `Finding` and `Decision`: what a scan or a policy decision hands back to Python.

use crate::text::output;
use dlpjet_policy::{Action, BlockReason, DecidedFinding};
use engine::offsets::{TextIndex, Unit};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::Arc;

/// One piece of sensitive data found in a text.
///
/// ``start`` and ``end`` are string indices for ``str`` input (``text[f.start:f.end]`` is the
/// match) and byte offsets for ``bytes``. ``value`` is the matched text itself (``str`` or
/// ``bytes``, like the input); ``preview`` is a masked form that is safe to log.
/// ``repr()`` never shows the value.
#[pyclass(frozen, eq, module = "dlpjet")]
#[derive(Debug, PartialEq)]
pub struct Finding {
    detector: Arc<str>,
    #[pyo3(get)]
    start: usize,
    #[pyo3(get)]
    end: usize,
    confidence: f32,
    action: Action,
    value: Vec<u8>,
    text: bool,
}

impl Finding {
    /// `f` of `hay` with its offsets converted through `ix` when the input was `str`.
    pub fn new(f: &engine::Finding, action: Action, hay: &[u8], ix: Option<&mut TextIndex<'_>>) -> Finding {
        Finding::at(f, action, f.bytes(hay), ix.map(|ix| (ix.of(f.start), ix.of(f.end))))
    }

    /// `f` with its matched bytes and, for `str` input, its offsets in code points.
    pub fn at(f: &engine::Finding, action: Action, value: &[u8], chars: Option<(usize, usize)>) -> Finding {
        let (start, end) = chars.unwrap_or((f.start, f.end));
        Finding {
            detector: f.detector.clone(),
            start,
            end,
            confidence: f.confidence,
            action,
            value: value.to_vec(),
            text: chars.is_some(),
        }
    }
}

#[pymethods]
impl Finding {
    /// The detector id (``"credit_card"``, ``"email"``, or a custom id from the policy).
    #[getter]
    fn detector(&self) -> &str {
        &self.detector
    }

    /// How sure the detector is, from 0 to 1.
    #[getter]
    fn confidence(&self) -> f64 {
        // Through the shortest decimal of the f32, so 0.95 reads as 0.95, not 0.949999988.
        self.confidence.to_string().parse().unwrap_or(self.confidence as f64)
    }

    /// What the policy does with it: ``"allow"``, ``"warn"``, ``"redact"`` or ``"block"``.
    #[getter]
    fn action(&self) -> &'static str {
        self.action.as_str()
    }

    /// The matched value (``str`` for ``str`` input, ``bytes`` otherwise). Sensitive.
    #[getter]
    fn value<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        output(py, &self.value, self.text)
    }

    /// A masked form of the value, safe to log: ``"************1111"``.
    #[getter]
    fn preview(&self) -> String {
        engine::preview(&self.value)
    }

    /// The finding as a dict; the raw value only when ``include_value`` is true.
    #[pyo3(signature = (include_value = false))]
    fn to_dict<'py>(&self, py: Python<'py>, include_value: bool) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("detector", self.detector())?;
        d.set_item("start", self.start)?;
        d.set_item("end", self.end)?;
        d.set_item("confidence", self.confidence())?;
        d.set_item("action", self.action())?;
        d.set_item("preview", self.preview())?;
        if include_value {
            d.set_item("value", self.value(py))?;
        }
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "Finding(detector={:?}, start={}, end={}, confidence={}, action={:?}, preview={:?})",
            &*self.detector,
            self.start,
            self.end,
            self.confidence,
            self.action.as_str(),
            self.preview()
        )
    }
}

/// What the policy decided about one text.
///
/// ``action`` is the strictest action of the findings (``"allow"`` when there are none);
/// ``output`` is the text to pass on (redacted when ``action == "redact"``, ``None`` when
/// blocked); ``reason`` and ``block_code`` say why a text was blocked.
#[pyclass(frozen, module = "dlpjet")]
#[derive(Debug)]
pub struct Decision {
    action: Action,
    findings: Vec<Py<Finding>>,
    output: Option<Py<PyAny>>,
    reason: Option<BlockReason>,
    #[pyo3(get)]
    truncated: bool,
}

impl Decision {
    pub fn new(py: Python<'_>, d: &dlpjet_policy::Decision, hay: &[u8], text: bool) -> PyResult<Decision> {
        let mut ix = text.then(|| TextIndex::new(hay, Unit::CodePoint));
        let findings = d
            .findings
            .iter()
            .map(|DecidedFinding { finding, action }| Py::new(py, Finding::new(finding, *action, hay, ix.as_mut())))
            .collect::<PyResult<_>>()?;
        let output = d.output(hay).map(|o| output(py, o, text).unbind());
        Ok(Decision { action: d.action, findings, output, reason: d.reason.clone(), truncated: d.truncated })
    }

    /// The decision of a stream, whose text is gone: findings with byte offsets into the
    /// stream's UTF-8 and empty values, no output.
    pub fn streamed(py: Python<'_>, d: &dlpjet_policy::Decision) -> PyResult<Decision> {
        let findings = d
            .findings
            .iter()
            .map(|DecidedFinding { finding, action }| Py::new(py, Finding::at(finding, *action, &[], None)))
            .collect::<PyResult<_>>()?;
        Ok(Decision { action: d.action, findings, output: None, reason: d.reason.clone(), truncated: d.truncated })
    }
}

#[pymethods]
impl Decision {
    /// ``"allow"``, ``"warn"``, ``"redact"`` or ``"block"``.
    #[getter]
    fn action(&self) -> &'static str {
        self.action.as_str()
    }

    /// Every finding the policy kept, with its own action.
    #[getter]
    fn findings(&self, py: Python<'_>) -> Vec<Py<Finding>> {
        self.findings.iter().map(|f| f.clone_ref(py)).collect()
    }

    /// The text to pass on, or ``None`` when blocked.
    #[getter]
    fn output(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.output.as_ref().map(|o| o.clone_ref(py))
    }

    /// True when the action is ``"block"``.
    #[getter]
    fn blocked(&self) -> bool {
        self.action == Action::Block
    }

    /// Why the text was blocked (``"credit_card (2 hits)"``), or ``None``.
    #[getter]
    fn reason(&self) -> Option<String> {
        self.reason.as_ref().map(|r| r.to_string())
    }

    /// ``"detector"`` or ``"input_too_large"`` when blocked, else ``None``.
    #[getter]
    fn block_code(&self) -> Option<&'static str> {
        self.reason.as_ref().map(|r| r.code())
    }

    fn __repr__(&self) -> String {
        format!(
            "Decision(action={:?}, findings={}, truncated={}{})",
            self.action.as_str(),
            self.findings.len(),
            if self.truncated { "True" } else { "False" },
            self.reason().map(|r| format!(", reason={r:?}")).unwrap_or_default()
        )
    }
}
