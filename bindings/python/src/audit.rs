//! The audit log from Python: record decisions and administrative events, verify and query.

use crate::errors::{guard, DlpError};
use crate::findings::Decision;
use crate::scanner::Scanner;
use crate::text::{direction, Input};
use dlpjet_audit::{
    self as audit, AuditEvent, AuditLog as Log, Durability, EventAction, Filter, Fingerprinter, Options,
};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

create_exception!(
    dlpjet,
    AuditError,
    DlpError,
    "An audit log could not be written or read, or does not verify.\n\nFor a log that does not verify: \
     ``path``, ``line``, ``seq`` (the first bad record) and ``reason``."
);

fn audit_error(e: audit::AuditError) -> PyErr {
    AuditError::new_err(e.to_string())
}

fn action(name: &str) -> PyResult<EventAction> {
    EventAction::from_name(name).ok_or_else(|| PyValueError::new_err(format!("unknown audit action {name:?}")))
}

/// An audit log open for appending (one process at a time; any number of threads).
///
/// ``durability`` is ``"group"`` (appends return once fsynced, sharing fsyncs), ``"fsync"``
/// or ``"buffered"`` (appends return once written to the file, fsynced every 100 ms: a killed
/// process loses nothing acknowledged, a power loss up to the last 100 ms). ``key_file`` (from ``dlpjet audit keygen``) signs checkpoints.
/// ``salt`` (at least 16 bytes, kept secret) keys the fingerprints of found values; values
/// themselves are never written. Use it as a context manager or call ``close()``.
///
/// >>> import dlpjet, tempfile
/// >>> d = tempfile.mkdtemp()
/// >>> with dlpjet.AuditLog(d, salt=b"0123456789abcdef") as log:
/// ...     decision = log.evaluate(dlpjet.Scanner(), "mail a@b.io", actor="key:1")
/// >>> dlpjet.audit_verify(d)["records"]
/// 1
#[pyclass(frozen, module = "dlpjet")]
#[derive(Debug)]
pub struct AuditLog {
    log: Log,
    fingerprints: Option<Fingerprinter>,
}

#[pymethods]
impl AuditLog {
    #[new]
    #[pyo3(signature = (path, durability = "group", key_file = None, salt = None, checkpoint_every = 10_000, segment_bytes = 67108864))] // 64 MiB, written out so the signature shows it
    fn new(
        path: PathBuf,
        durability: &str,
        key_file: Option<PathBuf>,
        salt: Option<&[u8]>,
        checkpoint_every: u64,
        segment_bytes: u64,
    ) -> PyResult<AuditLog> {
        guard(|| {
            let durability = match durability {
                "group" => Durability::GroupCommit,
                "fsync" => Durability::Fsync,
                "buffered" => Durability::Buffered { interval: Duration::from_millis(100) },
                other => {
                    return Err(PyValueError::new_err(format!(
                        "durability must be \"group\", \"fsync\" or \"buffered\", not {other:?}"
                    )))
                }
            };
            let checkpoint_key = key_file.map(|k| audit::read_signing_key(&k)).transpose().map_err(audit_error)?;
            let fingerprints = salt.map(Fingerprinter::new).transpose().map_err(PyValueError::new_err)?;
            let opts = Options { durability, segment_bytes, checkpoint_key, checkpoint_every, ..Options::default() };
            Ok(AuditLog { log: Log::open(&path, opts).map_err(audit_error)?, fingerprints })
        })
    }

    /// Applies ``scanner``'s policy to ``text`` (like ``Scanner.evaluate``), records the
    /// decision (per detector: count, action, offsets and fingerprints) and returns it.
    #[pyo3(signature = (scanner, text, direction = "inbound", actor = None, target = None, details = None))]
    #[allow(clippy::too_many_arguments)] // Python keyword arguments
    fn evaluate(
        &self,
        py: Python<'_>,
        scanner: &Scanner,
        text: &Bound<'_, PyAny>,
        direction: &str,
        actor: Option<String>,
        target: Option<String>,
        details: Option<BTreeMap<String, String>>,
    ) -> PyResult<Decision> {
        guard(|| {
            let d = self::direction(direction)?;
            let fp = self.fingerprints.as_ref().ok_or_else(|| {
                PyValueError::new_err("recording decisions needs a salt for the fingerprints (AuditLog(..., salt=...))")
            })?;
            let input = Input::of(text, "evaluate()")?;
            let hay = &input.data[..];
            let decision = scanner.tenant.evaluate(d, hay);
            let mut e = AuditEvent::decision(scanner.tenant.name(), &decision, hay, fp);
            e.actor = actor;
            e.target = target;
            e.details = details.unwrap_or_default();
            py.detach(|| self.log.append(&e)).map_err(audit_error)?;
            Decision::new(py, &decision, hay, input.text)
        })
    }

    /// Records an event that is not a scan (``"policy_change"``, ``"login"``,
    /// ``"key_issued"``, …) and returns its sequence number.
    #[pyo3(signature = (tenant, action, actor = None, target = None, policy_version = None, details = None))]
    #[allow(clippy::too_many_arguments)] // Python keyword arguments
    fn append(
        &self,
        py: Python<'_>,
        tenant: &str,
        action: &str,
        actor: Option<String>,
        target: Option<String>,
        policy_version: Option<String>,
        details: Option<BTreeMap<String, String>>,
    ) -> PyResult<u64> {
        guard(|| {
            let mut e = AuditEvent::new(tenant, self::action(action)?);
            e.actor = actor;
            e.target = target;
            e.policy_version = policy_version;
            e.details = details.unwrap_or_default();
            py.detach(|| self.log.append(&e)).map_err(audit_error)
        })
    }

    /// Signs a checkpoint of everything so far (needs ``key_file``) and returns it as a dict;
    /// keep it somewhere else and pass it to ``audit_verify(checkpoints=[...])``.
    fn checkpoint<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            let c = py.detach(|| self.log.checkpoint()).map_err(audit_error)?;
            let d = PyDict::new(py);
            d.set_item("tree_size", c.tree_size)?;
            d.set_item("root", c.root)?;
            d.set_item("chain", c.chain)?;
            d.set_item("time", c.time)?;
            d.set_item("key_id", c.key_id)?;
            d.set_item("signature", c.signature)?;
            Ok(d)
        })
    }

    /// Records appended so far.
    fn __len__(&self) -> usize {
        self.log.len() as usize
    }

    /// Writes and fsyncs everything, writes a last checkpoint (with a key), releases the log.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        guard(|| py.detach(|| self.log.close()).map_err(audit_error))
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(
        &self,
        py: Python<'_>,
        _t: Option<&Bound<'_, PyAny>>,
        _v: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.close(py)
    }
}

/// Verifies the audit log in ``path`` and returns its report (``records``, ``first_seq``,
/// ``segments``, ``checkpoints``, ``root``, ``chain``, ``warnings``). ``public_key`` is the
/// ``.pub`` file of the checkpoint key; ``checkpoints`` are dicts kept from
/// ``AuditLog.checkpoint()``. With ``public_key``, records no signed checkpoint covers fail
/// unless ``allow_unsigned_tail`` (a log still being written). Raises ``AuditError`` (with
/// ``path``, ``line``, ``seq``, ``reason``) naming the first bad record.
#[pyfunction]
#[pyo3(signature = (path, public_key = None, checkpoints = None, allow_unsigned_tail = false))]
pub fn audit_verify<'py>(
    py: Python<'py>,
    path: PathBuf,
    public_key: Option<PathBuf>,
    checkpoints: Option<Vec<Bound<'py, PyDict>>>,
    allow_unsigned_tail: bool,
) -> PyResult<Bound<'py, PyDict>> {
    guard(|| {
        let mut opts = audit::VerifyOptions { allow_unsigned_tail, ..audit::VerifyOptions::default() };
        if let Some(k) = public_key {
            opts.public_key = Some(audit::read_verifying_key(&k).map_err(audit_error)?);
        }
        let json = py.import("json")?;
        for c in checkpoints.unwrap_or_default() {
            let text: String = json.call_method1("dumps", (c,))?.extract()?;
            let cp =
                serde_json::from_str(&text).map_err(|e| PyValueError::new_err(format!("not a checkpoint: {e}")))?;
            opts.external.push(cp);
        }
        match py.detach(|| audit::verify(&path, &opts)) {
            Ok(r) => {
                let d = PyDict::new(py);
                d.set_item("records", r.records)?;
                d.set_item("first_seq", r.first_seq)?;
                d.set_item("segments", r.segments)?;
                d.set_item("checkpoints", r.checkpoints)?;
                d.set_item("root", r.root)?;
                d.set_item("chain", r.chain)?;
                d.set_item("warnings", r.warnings)?;
                Ok(d)
            }
            Err(e) => {
                let err = AuditError::new_err(format!("audit log does not verify: {e}"));
                let v = err.value(py);
                let _ = v.setattr("path", e.path.display().to_string());
                let _ = v.setattr("line", e.line);
                let _ = v.setattr("seq", e.seq);
                let _ = v.setattr("reason", e.reason.clone());
                Err(err)
            }
        }
    })
}

/// The events of the audit log in ``path`` that match every filter given, oldest first, as
/// dicts (with their ``seq``). ``since``/``until`` are RFC 3339 UTC times or dates.
#[pyfunction]
#[pyo3(signature = (path, since = None, until = None, tenant = None, actor = None, action = None, detector = None))]
#[allow(clippy::too_many_arguments)] // Python keyword arguments
pub fn audit_query<'py>(
    py: Python<'py>,
    path: PathBuf,
    since: Option<&str>,
    until: Option<&str>,
    tenant: Option<String>,
    actor: Option<String>,
    action: Option<&str>,
    detector: Option<String>,
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    guard(|| {
        let time = |t: Option<&str>, what: &str| -> PyResult<Option<i64>> {
            t.map(|t| {
                audit::parse_rfc3339(t)
                    .ok_or_else(|| PyValueError::new_err(format!("{what}={t:?} is not an RFC 3339 UTC time or a date")))
            })
            .transpose()
        };
        let filter = Filter {
            since: time(since, "since")?,
            until: time(until, "until")?,
            tenant,
            actor,
            action: action.map(self::action).transpose()?,
            detector,
        };
        let mut rows = Vec::new();
        audit::query(&path, &filter, |seq, _, raw| {
            rows.push(format!("{{\"seq\":{seq},\"event\":{raw}}}"));
            Ok(())
        })
        .map_err(audit_error)?;
        let json = py.import("json")?;
        rows.into_iter().map(|r| json.call_method1("loads", (r,))).collect()
    })
}

/// Makes an Ed25519 key pair for checkpoints: ``path`` (the secret seed, mode 0600; never
/// overwritten) and ``path.pub``. Returns the public key's id.
#[pyfunction]
pub fn audit_keygen(path: PathBuf) -> PyResult<String> {
    guard(|| Ok(audit::key_id(&audit::write_key_pair(&path).map_err(audit_error)?)))
}
