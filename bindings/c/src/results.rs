//! Result objects the library allocates: findings, decisions, byte buffers.

use crate::error::guard_value;
use crate::types::{action, dlpjet_action, dlpjet_finding, Ids, DLPJET_ALLOW};
use dlpjet_policy::Decision;
use std::ffi::{c_char, CString};
use std::sync::Arc;

/// The findings of one scan (from dlpjet_scan_alloc). Free with dlpjet_findings_free.
#[derive(Debug)]
pub struct dlpjet_findings {
    pub(crate) items: Vec<dlpjet_finding>,
    /// Keeps the detector strings the findings point at alive.
    pub(crate) _ids: Arc<Ids>,
}

/// How many findings `findings` holds (0 for NULL).
///
/// # Safety
/// `findings` is NULL or a live result of dlpjet_scan_alloc.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_findings_len(findings: *const dlpjet_findings) -> usize {
    // SAFETY: NULL or live, by the caller's contract.
    guard_value(0, || unsafe { findings.as_ref() }.map_or(0, |f| f.items.len()))
}

/// Finding number `index` (from 0, in order of start), or NULL when `index` is out of range or
/// `findings` is NULL. The pointer is valid until `findings` is freed.
///
/// # Safety
/// `findings` is NULL or a live result of dlpjet_scan_alloc.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_findings_get(findings: *const dlpjet_findings, index: usize) -> *const dlpjet_finding {
    guard_value(std::ptr::null(), || {
        // SAFETY: NULL or live, by the caller's contract.
        unsafe { findings.as_ref() }.and_then(|f| f.items.get(index)).map_or(std::ptr::null(), |f| f as *const _)
    })
}

/// Frees a findings object. NULL is ignored.
///
/// # Safety
/// `findings` is NULL or came from dlpjet_scan_alloc and is freed once.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_findings_free(findings: *mut dlpjet_findings) {
    guard_value((), || {
        if !findings.is_null() {
            // SAFETY: it came from Box::into_raw and is freed once.
            drop(unsafe { Box::from_raw(findings) });
        }
    })
}

/// A policy decision about one text (from dlpjet_evaluate or dlpjet_stream_finish).
/// Free with dlpjet_decision_free.
#[derive(Debug)]
pub struct dlpjet_decision {
    action: dlpjet_action,
    findings: Vec<dlpjet_finding>,
    redacted: Option<Vec<u8>>,
    reason: Option<CString>,
    code: Option<&'static str>,
    truncated: bool,
    _ids: Arc<Ids>,
}

impl dlpjet_decision {
    pub(crate) fn new(d: Decision, ids: Arc<Ids>) -> dlpjet_decision {
        dlpjet_decision {
            action: action(d.action),
            findings: d.findings.iter().map(|f| ids.decided(f)).collect(),
            redacted: d.redacted,
            // The reason names a detector id and a count: never a NUL.
            reason: d.reason.as_ref().and_then(|r| CString::new(r.to_string()).ok()),
            code: d.reason.as_ref().map(|r| match r.code() {
                "detector" => "detector\0",
                _ => "input_too_large\0",
            }),
            truncated: d.truncated,
            _ids: ids,
        }
    }
}

/// # Safety
/// `d` is NULL or a live decision.
unsafe fn decision<'a>(d: *const dlpjet_decision) -> Option<&'a dlpjet_decision> {
    // SAFETY: NULL or live, by the caller's contract.
    unsafe { d.as_ref() }
}

/// The decision's action: the strictest of its findings' actions (`DLPJET_ALLOW` when there are
/// none), `DLPJET_BLOCK` when blocked. `DLPJET_ALLOW` for NULL.
///
/// # Safety
/// `d` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_decision_action(d: *const dlpjet_decision) -> dlpjet_action {
    // SAFETY: the caller's contract.
    guard_value(DLPJET_ALLOW, || unsafe { decision(d) }.map_or(DLPJET_ALLOW, |d| d.action))
}

/// How many findings the decision holds (every finding above its detector's minimum
/// confidence, whatever its action). 0 for NULL.
///
/// # Safety
/// `d` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_decision_findings_len(d: *const dlpjet_decision) -> usize {
    // SAFETY: the caller's contract.
    guard_value(0, || unsafe { decision(d) }.map_or(0, |d| d.findings.len()))
}

/// Finding number `index` of the decision, or NULL when out of range. Valid until the decision
/// is freed.
///
/// # Safety
/// `d` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_decision_finding(d: *const dlpjet_decision, index: usize) -> *const dlpjet_finding {
    guard_value(std::ptr::null(), || {
        // SAFETY: the caller's contract.
        unsafe { decision(d) }.and_then(|d| d.findings.get(index)).map_or(std::ptr::null(), |f| f as *const _)
    })
}

/// When the decision's action is `DLPJET_REDACT` or `DLPJET_TOKENIZE` (from dlpjet_evaluate):
/// points `*data` at the rewritten text and writes its length to `*len`, and returns true; the
/// bytes are valid until the decision is freed. Otherwise returns false and writes nothing: pass the input on
/// unchanged (or not at all, when blocked). Decisions from streams never hold a text; the
/// stream's output is already redacted.
///
/// # Safety
/// `d` is NULL or a live decision; `data` and `len` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_decision_redacted(
    d: *const dlpjet_decision,
    data: *mut *const u8,
    len: *mut usize,
) -> bool {
    guard_value(false, || {
        // SAFETY: the caller's contract.
        let Some(r) = unsafe { decision(d) }.and_then(|d| d.redacted.as_ref()) else { return false };
        if data.is_null() || len.is_null() {
            return false;
        }
        // SAFETY: both non-null and writable by the caller's contract.
        unsafe {
            *data = r.as_ptr();
            *len = r.len();
        }
        true
    })
}

/// Why the text was blocked (`"credit_card (2 hits)"`, `"input larger than 1048576 bytes"`),
/// or NULL when it was not. Never holds the sensitive value. Valid until the decision is freed.
///
/// # Safety
/// `d` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_decision_block_reason(d: *const dlpjet_decision) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: the caller's contract.
        unsafe { decision(d) }.and_then(|d| d.reason.as_ref()).map_or(std::ptr::null(), |r| r.as_ptr())
    })
}

/// A stable code for the block reason, `"detector"` or `"input_too_large"`, or NULL when the
/// text was not blocked. Static.
///
/// # Safety
/// `d` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_decision_block_code(d: *const dlpjet_decision) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: the caller's contract.
        unsafe { decision(d) }.and_then(|d| d.code).map_or(std::ptr::null(), |c| c.as_ptr().cast())
    })
}

/// Whether only the first `max_input_bytes` of the text were scanned (policy limit with
/// `on_exceed = "truncate"`); the rest passed unscanned.
///
/// # Safety
/// `d` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_decision_truncated(d: *const dlpjet_decision) -> bool {
    // SAFETY: the caller's contract.
    guard_value(false, || unsafe { decision(d) }.is_some_and(|d| d.truncated))
}

/// Frees a decision. NULL is ignored.
///
/// # Safety
/// `d` is NULL or came from dlpjet_evaluate / dlpjet_stream_finish and is freed once.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_decision_free(d: *mut dlpjet_decision) {
    guard_value((), || {
        if !d.is_null() {
            // SAFETY: it came from Box::into_raw and is freed once.
            drop(unsafe { Box::from_raw(d) });
        }
    })
}

/// A buffer for the caller: its pointer and length (NULL and 0 when empty).
pub(crate) fn into_raw_bytes(buf: Vec<u8>) -> (*mut u8, usize) {
    if buf.is_empty() {
        return (std::ptr::null_mut(), 0);
    }
    let b = buf.into_boxed_slice();
    let n = b.len();
    (Box::into_raw(b).cast(), n)
}

/// Frees a buffer from dlpjet_redact_alloc, given its pointer and length. NULL is ignored.
///
/// # Safety
/// `data` is NULL or a buffer from dlpjet_redact_alloc whose length was `len`, freed once.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_bytes_free(data: *mut u8, len: usize) {
    guard_value((), || {
        if !data.is_null() {
            // SAFETY: `data` and `len` describe a boxed slice made by into_raw_bytes.
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(data, len)) });
        }
    })
}
