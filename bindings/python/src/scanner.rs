//! `Scanner`: one tenant's compiled policy, and the calls on it.

use crate::batch::{self, Rows};
use crate::errors::{blocked, guard, policy_error, policy_error_here};
use crate::findings::{Decision, Finding};
use crate::stream::{RedactStream, ScanStream};
use crate::text::{output, Input};
use dlpjet_policy::{Action, Interrupted, PolicyErrorKind, PolicySet, Tenant, DEFAULT_TENANT};
use engine::offsets::{TextIndex, Unit};
use pyo3::exceptions::{PyKeyboardInterrupt, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

/// Inputs at least this long are scanned with the GIL released.
const DETACH_AT: usize = 32 * 1024;

/// Inputs at least this long are scanned in pieces of [`PIECE`] bytes, with pending signals
/// handled between them: Ctrl-C lands within a piece (a few hundredths of a second) instead
/// of when the whole text is done. The findings and decision are those of one pass.
const CHECKED_AT: usize = 32 << 20;
const PIECE: usize = 4 << 20;

/// Runs `work` on `hay`, with the GIL released when `hay` is long enough for that to pay.
fn detached<T: Send>(py: Python<'_>, hay: &[u8], work: impl FnOnce() -> T + Send) -> T {
    if hay.len() >= DETACH_AT {
        py.detach(work)
    } else {
        work()
    }
}

/// Runs `work` on `hay` as [`detached`] does; from [`CHECKED_AT`] bytes on, `work` is given a
/// check to call between pieces, which takes the GIL back for a moment to handle pending
/// signals and says to stop when one raised (KeyboardInterrupt from Ctrl-C).
fn interruptible<T: Send>(
    py: Python<'_>,
    hay: &[u8],
    work: impl FnOnce(Option<&mut dyn FnMut() -> bool>) -> Result<T, Interrupted> + Send,
) -> PyResult<T> {
    let stopped = || PyKeyboardInterrupt::new_err("the scan was interrupted");
    if hay.len() < CHECKED_AT {
        // Without a check nothing stops the scan; the error cannot happen.
        return detached(py, hay, || work(None)).map_err(|Interrupted| stopped());
    }
    let mut raised: Option<PyErr> = None;
    let done = py.detach(|| {
        let mut go_on = || Python::attach(|py| py.check_signals()).map_err(|e| raised = Some(e)).is_ok();
        work(Some(&mut go_on))
    });
    done.map_err(|Interrupted| raised.unwrap_or_else(stopped))
}

/// Where a policy came from.
enum Source {
    Text(String),
    File(PathBuf),
    /// A dict, rendered as TOML.
    Dict(String),
}

impl Source {
    fn of(py: Python<'_>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Source> {
        let Some(p) = policy else { return Ok(Source::Text(dlpjet_policy::REDACT_ALL.into())) };
        if let Ok(s) = p.cast::<PyString>() {
            let s = s.to_str()?;
            // A policy is TOML: it has a `key = value` or a `[table]`; a file name has neither.
            if s.contains(['\n', '=', '[']) {
                return Ok(Source::Text(s.to_string()));
            }
            return Ok(Source::File(PathBuf::from(s)));
        }
        if p.hasattr("__fspath__")? {
            return Ok(Source::File(p.extract()?));
        }
        if p.cast::<PyDict>().is_ok() {
            return Ok(Source::Dict(toml_of(py, p)?));
        }
        let name = p.get_type().name()?.to_string();
        Err(PyTypeError::new_err(format!("policy must be a path, a TOML string or a dict, not {name}")))
    }

    /// The tenant `name` of the policy, narrowed to `only` when given.
    fn tenant(&self, py: Python<'_>, name: &str, only: Option<&[String]>) -> PyResult<Tenant> {
        let result = match (self, only) {
            (Source::File(f), None) => PolicySet::load(f).and_then(|s| s.tenant(name).cloned()),
            (Source::Text(t) | Source::Dict(t), None) => {
                PolicySet::from_toml(t, None).and_then(|s| s.tenant(name).cloned())
            }
            (Source::Text(t) | Source::Dict(t), Some(only)) => PolicySet::narrowed(t, None, name, only),
            (Source::File(f), Some(only)) => {
                let t = std::fs::read_to_string(f)
                    .map_err(|e| policy_error_here(py, "io", "", format!("{}: {e}", f.display())))?;
                PolicySet::narrowed(&t, Some(f), name, only)
            }
        };
        result.map_err(|e| match (self, e.kind()) {
            (_, PolicyErrorKind::UnknownTenant) => policy_error(py, &e),
            // Positions would point into the TOML rendering of the dict, not at anything the
            // caller wrote; the field path says where.
            (Source::Dict(_), _) => policy_error_here(py, e.kind().as_str(), e.field(), e.message().to_string()),
            _ => policy_error(py, &e),
        })
    }
}

/// A dict policy as TOML text (through JSON, which every policy value can be written in).
fn toml_of(py: Python<'_>, dict: &Bound<'_, PyAny>) -> PyResult<String> {
    let json: String = py.import("json")?.call_method1("dumps", (dict,))?.extract()?;
    let bad = |e: String| policy_error_here(py, "invalid_value", "", e);
    let table: toml::Table = serde_json::from_str(&json).map_err(|e| bad(format!("not a policy: {e}")))?;
    toml::to_string(&table).map_err(|e| bad(format!("not a policy: {e}")))
}

/// A compiled policy for one tenant: create it once (compiling takes milliseconds) and use it
/// from any number of threads.
///
/// ``policy`` is a path (``str`` or ``os.PathLike``) to a TOML policy file, the TOML text
/// itself, or a dict of the same structure; ``None`` runs every built-in detector and redacts
/// every finding. A ``str`` with a newline, ``=`` or ``[`` in it is TOML text, any other ``str``
/// a path. ``tenant`` picks the policy's tenant (its ``default`` when ``None``).
/// ``detectors`` narrows the scanner to those detector ids.
///
/// Raises ``PolicyError`` (with ``file``, ``line``, ``column``, ``field``) for a policy that
/// does not load and ``UnknownTenantError`` for a tenant it does not define.
///
/// >>> import dlpjet
/// >>> s = dlpjet.Scanner()
/// >>> [f.detector for f in s.scan("card 4111 1111 1111 1111")]
/// ['credit_card']
#[pyclass(frozen, subclass, module = "dlpjet")]
#[derive(Debug)]
pub struct Scanner {
    pub(crate) tenant: Tenant,
    name: String,
    /// Every detector id this scanner can report, for the batch results' dictionary.
    pub(crate) ids: Arc<batch::Ids>,
}

#[pymethods]
impl Scanner {
    #[new]
    #[pyo3(signature = (policy = None, tenant = None, detectors = None))]
    fn new(
        py: Python<'_>,
        policy: Option<&Bound<'_, PyAny>>,
        tenant: Option<&str>,
        detectors: Option<Vec<String>>,
    ) -> PyResult<Scanner> {
        guard(|| {
            let source = Source::of(py, policy)?;
            let name = tenant.unwrap_or(DEFAULT_TENANT).to_string();
            let t = source.tenant(py, &name, detectors.as_deref())?;
            let ids = Arc::new(batch::Ids::of(&t));
            Ok(Scanner { tenant: t, name, ids })
        })
    }

    /// The tenant whose policy this scanner applies.
    #[getter]
    fn tenant(&self) -> &str {
        &self.name
    }

    /// The ids of the detectors this scanner runs (in either direction).
    #[getter]
    fn detectors(&self) -> Vec<String> {
        self.ids.names().to_vec()
    }

    /// Finds the sensitive data in ``text`` (``str`` or ``bytes``) travelling ``direction``
    /// (``"inbound"``, ``"outbound"`` or ``"both"``), in order of position, each with the
    /// policy's action. Findings the policy drops (below a detector's minimum confidence) are
    /// left out. Raises ``BlockedError`` when the text is over the policy's size limit and the
    /// policy blocks such texts.
    #[pyo3(signature = (text, direction = "inbound"))]
    fn scan(&self, py: Python<'_>, text: &Bound<'_, PyAny>, direction: &str) -> PyResult<Vec<Finding>> {
        guard(|| {
            let d = crate::text::direction(direction)?;
            let input = Input::of(text, "scan()")?;
            let hay = &input.data[..];
            let found = interruptible(py, hay, |check| match check {
                None => Ok(self.tenant.findings(d, hay)),
                Some(go_on) => self.tenant.findings_checked(d, hay, PIECE, go_on),
            })?;
            let found = found.map_err(|r| blocked(py, &r))?;
            let mut ix = input.text.then(|| TextIndex::new(hay, Unit::CodePoint));
            Ok(found.iter().map(|f| Finding::new(&f.finding, f.action, hay, ix.as_mut())).collect())
        })
    }

    /// ``text`` with the findings the policy redacts rewritten (``str`` in, ``str`` out;
    /// ``bytes`` in, ``bytes`` out). Raises ``BlockedError`` when the policy blocks the text.
    #[pyo3(signature = (text, direction = "inbound"))]
    fn redact<'py>(&self, py: Python<'py>, text: &Bound<'py, PyAny>, direction: &str) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let d = crate::text::direction(direction)?;
            let input = Input::of(text, "redact()")?;
            let hay = &input.data[..];
            let mut out = Vec::with_capacity(hay.len() + 16);
            let decision = interruptible(py, hay, |check| match check {
                None => Ok(self.tenant.evaluate_into(d, hay, &mut out)),
                Some(go_on) => self.tenant.evaluate_into_checked(d, hay, &mut out, PIECE, go_on),
            })?;
            if let Some(r) = decision.reason.filter(|_| decision.action == Action::Block) {
                return Err(blocked(py, &r));
            }
            if !decision.action.rewrites() && matches!(input.data, Cow::Borrowed(_)) {
                // Nothing to rewrite: the very object passed in (a str or bytes).
                return Ok(text.clone());
            }
            Ok(output(py, &out, input.text))
        })
    }

    /// The policy's decision about ``text`` travelling ``direction``: its action, findings,
    /// the text to pass on, and why it was blocked if it was.
    #[pyo3(signature = (text, direction = "inbound"))]
    fn evaluate(&self, py: Python<'_>, text: &Bound<'_, PyAny>, direction: &str) -> PyResult<Decision> {
        guard(|| {
            let d = crate::text::direction(direction)?;
            let input = Input::of(text, "evaluate()")?;
            let hay = &input.data[..];
            let decision = interruptible(py, hay, |check| match check {
                None => Ok(self.tenant.evaluate(d, hay)),
                Some(go_on) => self.tenant.evaluate_checked(d, hay, PIECE, go_on),
            })?;
            Decision::new(py, &decision, hay, input.text)
        })
    }

    /// A stream for scanning a text that arrives piece by piece: ``feed(chunk)`` returns the
    /// findings each chunk completed, ``finish()`` the rest. Offsets count from the start of
    /// the stream, in the units of the chunks (code points for ``str``, bytes for ``bytes``).
    #[pyo3(signature = (direction = "inbound"))]
    fn stream(&self, direction: &str) -> PyResult<ScanStream> {
        Ok(ScanStream::new(self.tenant.clone(), crate::text::direction(direction)?))
    }

    /// A stream that applies the policy as text passes: ``feed(chunk)`` returns the output that
    /// became final (redacted), ``finish()`` the rest. Raises ``BlockedError`` once the policy
    /// blocks the stream. The building block of ``redacting_reader``/``redacting_writer``.
    #[pyo3(signature = (direction = "inbound"))]
    fn redact_stream(&self, direction: &str) -> PyResult<RedactStream> {
        Ok(RedactStream::new(&self.tenant, crate::text::direction(direction)?))
    }

    /// Batch scan over a list of ``str``/``bytes``/``None`` (used by ``scan_many``).
    #[pyo3(signature = (rows, direction, values))]
    fn _scan_rows<'py>(
        &self,
        py: Python<'py>,
        rows: &Bound<'py, PyAny>,
        direction: &str,
        values: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            let d = crate::text::direction(direction)?;
            let items = batch::items(rows)?;
            let rows = Rows::of_items(&items)?;
            batch::scan(py, &self.tenant, &self.ids, &rows, d, values)
        })
    }

    /// Batch scan over Arrow string or binary chunks (used by ``scan_many``).
    #[pyo3(signature = (chunks, large, binary, direction, values))]
    fn _scan_arrow<'py>(
        &self,
        py: Python<'py>,
        chunks: &Bound<'py, PyList>,
        large: bool,
        binary: bool,
        direction: &str,
        values: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            let d = crate::text::direction(direction)?;
            let buffers = batch::ArrowChunks::get(chunks)?;
            let rows = Rows::of_arrow(&buffers, large, !binary)?;
            batch::scan(py, &self.tenant, &self.ids, &rows, d, values)
        })
    }

    /// Batch redaction of a list (used by ``redact_many``): a list of the same length, blocked
    /// rows as ``None``.
    #[pyo3(signature = (rows, direction))]
    fn _redact_rows<'py>(
        &self,
        py: Python<'py>,
        rows: &Bound<'py, PyAny>,
        direction: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        guard(|| {
            let d = crate::text::direction(direction)?;
            let items = batch::items(rows)?;
            let rows = Rows::of_items(&items)?;
            batch::redact_rows(py, &self.tenant, &items, &rows, d)
        })
    }

    /// Batch redaction of Arrow chunks (used by ``redact_many``): the validity bitmap (or
    /// ``None``), 64-bit offsets and data of one array over all rows, and its null count.
    #[pyo3(signature = (chunks, large, binary, direction))]
    fn _redact_arrow<'py>(
        &self,
        py: Python<'py>,
        chunks: &Bound<'py, PyList>,
        large: bool,
        binary: bool,
        direction: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            let d = crate::text::direction(direction)?;
            let buffers = batch::ArrowChunks::get(chunks)?;
            let rows = Rows::of_arrow(&buffers, large, !binary)?;
            batch::redact_arrow(py, &self.tenant, &rows, d)
        })
    }

    fn __repr__(&self) -> String {
        format!("Scanner(tenant={:?}, detectors={})", self.name, self.ids.names().len())
    }
}

/// The built-in detector catalogue: a list of dicts with ``id``, ``description``,
/// ``validation`` and a masked ``example``.
#[pyfunction]
pub fn catalog(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    engine::Builtin::ALL
        .iter()
        .map(|b| {
            let d = PyDict::new(py);
            d.set_item("id", b.id())?;
            d.set_item("description", b.description())?;
            d.set_item("validation", b.validation())?;
            d.set_item("example", engine::preview(b.example().as_bytes()))?;
            Ok(d)
        })
        .collect()
}
