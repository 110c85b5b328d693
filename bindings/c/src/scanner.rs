//! The scanner handle: one tenant's compiled policy, and the one-shot calls on it.

use crate::error::*;
use crate::input::{bytes, c_str, put, utf8};
use crate::results::{dlpjet_decision, dlpjet_findings};
use crate::types::{dlpjet_direction, dlpjet_finding, Ids};
use dlpjet_policy::{Action, BlockReason, Decision, Direction, PolicyError, PolicyErrorKind, PolicySet, Tenant};
use std::ffi::c_char;
use std::sync::Arc;

/// A compiled policy for one tenant. Create it once (compiling a policy takes milliseconds)
/// and share it: any number of threads may call the scan, redact, evaluate and stream_new
/// functions on one scanner at the same time.
#[derive(Debug)]
pub struct dlpjet_scanner {
    pub(crate) tenant: Tenant,
    pub(crate) ids: Arc<Ids>,
}

fn policy_failure(e: &PolicyError) -> Failure {
    let status = if e.kind() == PolicyErrorKind::UnknownTenant { DLPJET_ERR_UNKNOWN_TENANT } else { DLPJET_ERR_POLICY };
    Failure { status, message: e.to_string(), location: e.line().zip(e.column()) }
}

fn make(set: Result<PolicySet, PolicyError>, tenant: Option<&str>) -> Result<Box<dlpjet_scanner>, Failure> {
    let set = set.map_err(|e| policy_failure(&e))?;
    let tenant = set.tenant(tenant.unwrap_or(dlpjet_policy::DEFAULT_TENANT)).map_err(|e| policy_failure(&e))?.clone();
    let ids = Ids::of(&tenant);
    Ok(Box::new(dlpjet_scanner { tenant, ids }))
}

/// Compiles a policy (TOML text, `policy_len` bytes, UTF-8, no NUL needed) for `tenant` (a
/// NUL-terminated name, or NULL for the policy's `default`) and writes the new scanner to
/// `*out`. A NULL `policy` with `policy_len` 0 gives the default policy: every built-in
/// detector, every finding redacted. Files the policy names (dictionaries, imports, key files)
/// are read relative to the current directory.
///
/// Errors: `DLPJET_ERR_POLICY` (its dlpjet_error has the line and column, see
/// dlpjet_error_location), `DLPJET_ERR_UNKNOWN_TENANT`, `DLPJET_ERR_INVALID_UTF8`,
/// `DLPJET_ERR_NULL_POINTER`. Like every fallible call, it writes a new dlpjet_error to
/// `*error` when it fails and `error` is not NULL.
/// Free the scanner with dlpjet_scanner_free.
///
/// # Safety
/// `policy` is NULL or points to `policy_len` readable bytes; `tenant` is NULL or a
/// NUL-terminated string; `out` points to a writable pointer; `error` is NULL or points to a
/// writable pointer.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_scanner_new(
    policy: *const c_char,
    policy_len: usize,
    tenant: *const c_char,
    out: *mut *mut dlpjet_scanner,
    error: *mut *mut dlpjet_error,
) -> dlpjet_status {
    // SAFETY: `error` is NULL or writable, by the caller's contract.
    guard(unsafe { ErrorOut::new(error) }, || {
        if out.is_null() {
            return Err(Failure::null("out"));
        }
        // SAFETY: the caller's contract for `policy`, `policy_len` and `tenant`.
        let (text, tenant) = unsafe { (bytes(policy.cast(), policy_len, "policy")?, c_str(tenant, "tenant")?) };
        let text = if policy.is_null() { dlpjet_policy::REDACT_ALL } else { utf8(text, "policy")? };
        let scanner = make(PolicySet::from_toml(text, None), tenant)?;
        // SAFETY: `out` is non-null and writable by the caller's contract.
        unsafe { put(out, Box::into_raw(scanner), "out")? };
        Ok(DLPJET_OK)
    })
}

/// Like dlpjet_scanner_new, with the policy read from the file at `path` (NUL-terminated); files
/// the policy names are read relative to it, and errors name it.
///
/// # Safety
/// `path` is a NUL-terminated string; `tenant` is NULL or a NUL-terminated string; `out` points
/// to a writable pointer.
/// `error` is NULL or points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_scanner_from_file(
    path: *const c_char,
    tenant: *const c_char,
    out: *mut *mut dlpjet_scanner,
    error: *mut *mut dlpjet_error,
) -> dlpjet_status {
    // SAFETY: `error` is NULL or writable, by the caller's contract.
    guard(unsafe { ErrorOut::new(error) }, || {
        if out.is_null() {
            return Err(Failure::null("out"));
        }
        // SAFETY: the caller's contract for `path` and `tenant`.
        let (path, tenant) = unsafe { (c_str(path, "path")?, c_str(tenant, "tenant")?) };
        let path = path.ok_or_else(|| Failure::null("path"))?;
        let scanner = make(PolicySet::load(path), tenant)?;
        // SAFETY: `out` is non-null and writable by the caller's contract.
        unsafe { put(out, Box::into_raw(scanner), "out")? };
        Ok(DLPJET_OK)
    })
}

/// Frees a scanner. NULL is ignored. Findings written by dlpjet_scan into caller buffers point
/// at the scanner's detector ids and must not be used after this; result objects and streams
/// made from the scanner stay valid.
///
/// # Safety
/// `scanner` is NULL or came from dlpjet_scanner_new / dlpjet_scanner_from_file and is not
/// used by any thread after this call.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_scanner_free(scanner: *mut dlpjet_scanner) {
    guard_value((), || {
        if !scanner.is_null() {
            // SAFETY: it came from Box::into_raw in dlpjet_scanner_new and is freed once.
            drop(unsafe { Box::from_raw(scanner) });
        }
    })
}

/// # Safety
/// `scanner` is NULL or a live scanner.
pub(crate) unsafe fn scanner_ref<'a>(scanner: *const dlpjet_scanner) -> Result<&'a dlpjet_scanner, Failure> {
    // SAFETY: NULL or a live scanner (from Box::into_raw), by the caller's contract.
    unsafe { scanner.as_ref() }.ok_or_else(|| Failure::null("scanner"))
}

/// The scanner, the input and the direction every one-shot call starts from.
///
/// # Safety
/// `scanner` is NULL or a live scanner; `data` is NULL (with `len` 0) or points to `len`
/// readable bytes that stay valid for `'a`.
unsafe fn call_args<'a>(
    scanner: *const dlpjet_scanner,
    direction: dlpjet_direction,
    data: *const u8,
    len: usize,
) -> Result<(&'a dlpjet_scanner, &'a [u8], Direction), Failure> {
    // SAFETY: the caller's contract for both pointers.
    let (s, text) = unsafe { (scanner_ref(scanner)?, bytes(data, len, "data")?) };
    Ok((s, text, crate::input::direction(direction)?))
}

/// Checks a caller-supplied output buffer: `len` (named `len_name`) must be writable, and
/// `out` may be NULL only with `capacity` 0.
fn caller_buffer<T>(out: *mut T, capacity: usize, len: *mut usize, len_name: &'static str) -> Result<(), Failure> {
    if len.is_null() {
        return Err(Failure::null(len_name));
    }
    if out.is_null() && capacity > 0 {
        return Err(Failure::null("out"));
    }
    Ok(())
}

impl dlpjet_scanner {
    /// The findings of `text` with their actions, as the policy's decision would have them
    /// (the size limit applied), or the reason the input is blocked outright.
    pub(crate) fn findings(&self, d: Direction, text: &[u8]) -> Result<Vec<dlpjet_finding>, BlockReason> {
        Ok(self.tenant.findings(d, text)?.iter().map(|f| self.ids.finding(&f.finding, f.action)).collect())
    }
}

/// Scans `len` bytes at `data` (any bytes: text need not be UTF-8) travelling `direction`,
/// writes up to `capacity` findings to `out` in order of their start, and the number found to
/// `*count`. Returns `DLPJET_ERR_BUFFER_TOO_SMALL` when there were more than `capacity` (the
/// first `capacity` are written; `*count` says how many to make room for), `DLPJET_BLOCKED`
/// when the input exceeds a policy's size limit under `on_exceed = "block"`.
/// The findings' detector strings belong to the scanner.
///
/// # Safety
/// `scanner` is a live scanner; `data` is NULL (with `len` 0) or points to `len` readable
/// bytes; `out` is NULL (with `capacity` 0) or points to `capacity` writable findings; `count`
/// points to a writable `size_t`.
/// `error` is NULL or points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_scan(
    scanner: *const dlpjet_scanner,
    direction: dlpjet_direction,
    data: *const u8,
    len: usize,
    out: *mut dlpjet_finding,
    capacity: usize,
    count: *mut usize,
    error: *mut *mut dlpjet_error,
) -> dlpjet_status {
    // SAFETY: `error` is NULL or writable, by the caller's contract.
    guard(unsafe { ErrorOut::new(error) }, || {
        // SAFETY: the caller's contract for every pointer.
        let (s, text, d) = unsafe { call_args(scanner, direction, data, len)? };
        caller_buffer(out, capacity, count, "count")?;
        let found = match s.findings(d, text) {
            Ok(f) => f,
            Err(reason) => {
                // SAFETY: checked non-null above; writable by the caller's contract.
                unsafe { put(count, 0, "count")? };
                return Err(blocked(&reason));
            }
        };
        let n = found.len().min(capacity);
        if n > 0 {
            // SAFETY: `out` is non-null and has room for `capacity >= n` findings; `found` is a
            // separate allocation, so the ranges do not overlap.
            unsafe { std::ptr::copy_nonoverlapping(found.as_ptr(), out, n) };
        }
        // SAFETY: as above.
        unsafe { put(count, found.len(), "count")? };
        if found.len() > capacity {
            return Err(Failure::new(
                DLPJET_ERR_BUFFER_TOO_SMALL,
                format!("{} findings, room for {capacity}", found.len()),
            ));
        }
        Ok(DLPJET_OK)
    })
}

/// Like dlpjet_scan, with the findings in a new result object written to `*out` (free it with
/// dlpjet_findings_free; its detector strings live as long as it does).
///
/// # Safety
/// `scanner` is a live scanner; `data` is NULL (with `len` 0) or points to `len` readable
/// bytes; `out` points to a writable pointer.
/// `error` is NULL or points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_scan_alloc(
    scanner: *const dlpjet_scanner,
    direction: dlpjet_direction,
    data: *const u8,
    len: usize,
    out: *mut *mut dlpjet_findings,
    error: *mut *mut dlpjet_error,
) -> dlpjet_status {
    // SAFETY: `error` is NULL or writable, by the caller's contract.
    guard(unsafe { ErrorOut::new(error) }, || {
        // SAFETY: the caller's contract for every pointer.
        let (s, text, d) = unsafe { call_args(scanner, direction, data, len)? };
        if out.is_null() {
            return Err(Failure::null("out"));
        }
        let (items, failure) = match s.findings(d, text) {
            Ok(f) => (f, None),
            Err(reason) => (Vec::new(), Some(blocked(&reason))),
        };
        let result = Box::new(dlpjet_findings { items, _ids: s.ids.clone() });
        // SAFETY: non-null and writable by the caller's contract.
        unsafe { put(out, Box::into_raw(result), "out")? };
        failure.map_or(Ok(DLPJET_OK), Err)
    })
}

/// The output for `text` under the policy, or the reason it is blocked.
fn redacted(s: &dlpjet_scanner, d: Direction, text: &[u8]) -> Result<Decision, BlockReason> {
    let decision = s.tenant.evaluate(d, text);
    match (decision.action, &decision.reason) {
        (Action::Block, Some(reason)) => Err(reason.clone()),
        _ => Ok(decision),
    }
}

/// Writes `len` bytes at `data` as the policy would pass them on: findings whose action is
/// `redact` rewritten (in their detector's style), everything else unchanged. The result goes
/// to `out` (`capacity` bytes) and its length to `*out_len`.
///
/// Needed-size protocol: when the result does not fit (or `out` is NULL with `capacity` 0),
/// nothing is written to `out`, `*out_len` is set to the size needed, and the call returns
/// `DLPJET_ERR_BUFFER_TOO_SMALL`. Returns `DLPJET_BLOCKED` (with `*out_len` 0) when the policy
/// blocks the input; its dlpjet_error says why.
///
/// # Safety
/// `scanner` is a live scanner; `data` is NULL (with `len` 0) or points to `len` readable
/// bytes; `out` is NULL (with `capacity` 0) or points to `capacity` writable bytes that do not
/// overlap `data`; `out_len` points to a writable `size_t`.
/// `error` is NULL or points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_redact(
    scanner: *const dlpjet_scanner,
    direction: dlpjet_direction,
    data: *const u8,
    len: usize,
    out: *mut u8,
    capacity: usize,
    out_len: *mut usize,
    error: *mut *mut dlpjet_error,
) -> dlpjet_status {
    // SAFETY: `error` is NULL or writable, by the caller's contract.
    guard(unsafe { ErrorOut::new(error) }, || {
        // SAFETY: the caller's contract for every pointer.
        let (s, text, d) = unsafe { call_args(scanner, direction, data, len)? };
        caller_buffer(out, capacity, out_len, "out_len")?;
        let decision = match redacted(s, d, text) {
            Ok(d) => d,
            Err(reason) => {
                // SAFETY: non-null (checked) and writable by the caller's contract.
                unsafe { put(out_len, 0, "out_len")? };
                return Err(blocked(&reason));
            }
        };
        let result = decision.redacted.as_deref().unwrap_or(text);
        // SAFETY: as above.
        unsafe { put(out_len, result.len(), "out_len")? };
        if result.len() > capacity {
            return Err(Failure::new(
                DLPJET_ERR_BUFFER_TOO_SMALL,
                format!("the result needs {} bytes, the buffer has {capacity}", result.len()),
            ));
        }
        if !result.is_empty() {
            // SAFETY: `out` is non-null (capacity >= result.len() > 0) with room for
            // `result.len()` bytes, and does not overlap `data` or our own buffer.
            unsafe { std::ptr::copy_nonoverlapping(result.as_ptr(), out, result.len()) };
        }
        Ok(DLPJET_OK)
    })
}

/// Like dlpjet_redact, with the result in a new buffer written to `*out` (and its length to
/// `*out_len`); free it with dlpjet_bytes_free(*out, *out_len). On `DLPJET_BLOCKED`, `*out` is
/// NULL and `*out_len` 0.
///
/// # Safety
/// `scanner` is a live scanner; `data` is NULL (with `len` 0) or points to `len` readable
/// bytes; `out` and `out_len` point to writable locations.
/// `error` is NULL or points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_redact_alloc(
    scanner: *const dlpjet_scanner,
    direction: dlpjet_direction,
    data: *const u8,
    len: usize,
    out: *mut *mut u8,
    out_len: *mut usize,
    error: *mut *mut dlpjet_error,
) -> dlpjet_status {
    // SAFETY: `error` is NULL or writable, by the caller's contract.
    guard(unsafe { ErrorOut::new(error) }, || {
        // SAFETY: the caller's contract for every pointer.
        let (s, text, d) = unsafe { call_args(scanner, direction, data, len)? };
        if out.is_null() || out_len.is_null() {
            return Err(Failure::null(if out.is_null() { "out" } else { "out_len" }));
        }
        let (buf, failure) = match redacted(s, d, text) {
            Ok(decision) => (decision.redacted.unwrap_or_else(|| text.to_vec()), None),
            Err(reason) => (Vec::new(), Some(blocked(&reason))),
        };
        let (ptr, n) = crate::results::into_raw_bytes(buf);
        // SAFETY: both non-null (checked) and writable by the caller's contract.
        unsafe {
            put(out, ptr, "out")?;
            put(out_len, n, "out_len")?;
        }
        failure.map_or(Ok(DLPJET_OK), Err)
    })
}

/// Applies the policy to `len` bytes at `data` travelling `direction` and writes the decision
/// to `*out`: its action, findings, redacted text and block reason (see the
/// dlpjet_decision_* accessors). Free it with dlpjet_decision_free. A blocked input is a
/// decision like any other: the call returns `DLPJET_OK`.
///
/// # Safety
/// `scanner` is a live scanner; `data` is NULL (with `len` 0) or points to `len` readable
/// bytes; `out` points to a writable pointer.
/// `error` is NULL or points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_evaluate(
    scanner: *const dlpjet_scanner,
    direction: dlpjet_direction,
    data: *const u8,
    len: usize,
    out: *mut *mut dlpjet_decision,
    error: *mut *mut dlpjet_error,
) -> dlpjet_status {
    // SAFETY: `error` is NULL or writable, by the caller's contract.
    guard(unsafe { ErrorOut::new(error) }, || {
        // SAFETY: the caller's contract for every pointer.
        let (s, text, d) = unsafe { call_args(scanner, direction, data, len)? };
        if out.is_null() {
            return Err(Failure::null("out"));
        }
        let decision = dlpjet_decision::new(s.tenant.evaluate(d, text), s.ids.clone());
        // SAFETY: non-null and writable by the caller's contract.
        unsafe { put(out, Box::into_raw(Box::new(decision)), "out")? };
        Ok(DLPJET_OK)
    })
}
