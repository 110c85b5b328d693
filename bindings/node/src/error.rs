//! Errors for JavaScript: each failure becomes an `Error` object made here, with its `code`
//! (`DLPJET_POLICY_INVALID`, `DLPJET_BLOCKED`, …) and its details as properties; `index.js`
//! gives it the class of its code (`PolicyError`, `BlockedError`, …).
//!
//! Inside the addon a failure is a `napi::Error` (so that `?` works on napi's own errors too)
//! whose reason holds the code and details; [`guard`], which every export runs in, turns it
//! into the JavaScript object before it leaves. Nothing of that encoding reaches JavaScript.

use dlpjet_policy::{BlockReason, PolicyError, PolicyErrorKind};
use napi::bindgen_prelude::*;
use serde_json::{json, Map, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Marks the reason of a failure made by [`fail`] (followed by its JSON).
const MARK: &str = "\u{0}dlpjet\u{0}";

/// A failure: its code, message and details (an object's fields; null ones are left out).
pub(crate) fn fail(code: &str, message: String, mut details: Value) -> Error {
    details["code"] = json!(code);
    details["message"] = json!(message);
    Error::new(Status::GenericFailure, format!("{MARK}{details}"))
}

pub(crate) fn policy_error(e: &PolicyError) -> Error {
    let code = match e.kind() {
        PolicyErrorKind::UnknownTenant => "DLPJET_UNKNOWN_TENANT",
        _ => "DLPJET_POLICY_INVALID",
    };
    fail(
        code,
        e.to_string(),
        json!({
            "kind": e.kind().as_str(),
            "file": e.file().map(|f| f.display().to_string()),
            "line": e.line(),
            "column": e.column(),
            "field": e.field(),
            "reason": e.message(),
        }),
    )
}

pub(crate) fn blocked(r: &BlockReason) -> Error {
    let (detector, hits, limit) = match r {
        BlockReason::Detector { detector, hits } => (Some(detector.to_string()), Some(*hits), None),
        BlockReason::InputTooLarge { limit } => (None, None, Some(*limit)),
    };
    fail(
        "DLPJET_BLOCKED",
        format!("blocked by policy: {r}"),
        json!({"reason": r.code(), "detector": detector, "hits": hits, "limit": limit}),
    )
}

pub(crate) fn invalid(message: String) -> Error {
    fail("DLPJET_INVALID_ARGUMENT", message, json!({}))
}

/// Runs one export's body: a failure leaves as a JavaScript `Error` with its code and details,
/// and a panic as one with code `DLPJET_INTERNAL` instead of a crash of the process.
pub(crate) fn guard<T>(env: &Env, f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| Err(panicked(p))).map_err(|e| to_js(env, e))
}

/// The failure of a panic.
pub(crate) fn panicked(p: Box<dyn std::any::Any + Send>) -> Error {
    let what = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    fail("DLPJET_INTERNAL", format!("internal error in dlpjet (please report it): {what}"), json!({}))
}

/// A failure made by [`fail`] as the JavaScript `Error` it describes; any other error as it is.
pub(crate) fn to_js(env: &Env, e: Error) -> Error {
    let Some(details) = e.reason.strip_prefix(MARK).and_then(|j| serde_json::from_str::<Map<String, Value>>(j).ok())
    else {
        return e;
    };
    make(env, &details).unwrap_or(e)
}

fn make(env: &Env, details: &Map<String, Value>) -> Result<Error> {
    let message = details.get("message").and_then(Value::as_str).unwrap_or_default();
    let mut obj = env.create_error(Error::new(Status::GenericFailure, message))?;
    for (name, value) in details {
        match value {
            Value::String(s) if name != "message" => obj.set_named_property(name, s.as_str())?,
            Value::Number(n) => obj.set_named_property(name, n.as_f64().unwrap_or(f64::NAN))?,
            Value::Bool(b) => obj.set_named_property(name, *b)?,
            // Null details (a policy error without a file, say) are absent, as before.
            _ => {}
        }
    }
    Ok(Error::from(obj.to_unknown()))
}
