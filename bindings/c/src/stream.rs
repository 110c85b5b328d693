//! Streams: a body that arrives in pieces, redacted and decided as it passes.

use crate::error::*;
use crate::input::{bytes, put};
use crate::results::dlpjet_decision;
use crate::scanner::{dlpjet_scanner, scanner_ref};
use crate::types::{dlpjet_direction, Ids};
use dlpjet_policy::{BlockReason, PolicyStream};
use std::sync::Arc;

/// One body passing through the policy, chunk by chunk: findings split across chunks are
/// caught, `redact` findings are rewritten, and the stream stops at the first `block` finding.
/// Output is released as soon as it is final (bytes that can no longer be part of a finding),
/// so at most a short tail is held back. A stream belongs to one thread at a time; it stays
/// valid after its scanner is freed.
#[derive(Debug)]
pub struct dlpjet_stream {
    inner: Option<PolicyStream>,
    /// Output released by the last push or finish.
    out: Vec<u8>,
    blocked: Option<BlockReason>,
    ids: Arc<Ids>,
}

/// Starts a stream of text travelling `direction` under the scanner's policy and writes it to
/// `*out`. Free it with dlpjet_stream_free (finished or not).
///
/// # Safety
/// `scanner` is a live scanner; `out` points to a writable pointer.
/// `error` is NULL or points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_stream_new(
    scanner: *const dlpjet_scanner,
    direction: dlpjet_direction,
    out: *mut *mut dlpjet_stream,
    error: *mut *mut dlpjet_error,
) -> dlpjet_status {
    // SAFETY: `error` is NULL or writable, by the caller's contract.
    guard(unsafe { ErrorOut::new(error) }, || {
        // SAFETY: the caller's contract.
        let s = unsafe { scanner_ref(scanner)? };
        let d = crate::input::direction(direction)?;
        if out.is_null() {
            return Err(Failure::null("out"));
        }
        let stream =
            dlpjet_stream { inner: Some(s.tenant.stream(d)), out: Vec::new(), blocked: None, ids: s.ids.clone() };
        // SAFETY: non-null and writable by the caller's contract.
        unsafe { put(out, Box::into_raw(Box::new(stream)), "out")? };
        Ok(DLPJET_OK)
    })
}

/// # Safety
/// `stream` is NULL or a live stream not used by another thread.
unsafe fn stream_mut<'a>(stream: *mut dlpjet_stream) -> Result<&'a mut dlpjet_stream, Failure> {
    // SAFETY: NULL or live and exclusively ours, by the caller's contract.
    unsafe { stream.as_mut() }.ok_or_else(|| Failure::null("stream"))
}

/// Points `*out` / `*out_len` at what `s` released last. NULLs are skipped.
///
/// # Safety
/// `out` and `out_len` are NULL or writable.
unsafe fn show(s: &dlpjet_stream, out: *mut *const u8, out_len: *mut usize) {
    if !out.is_null() {
        // SAFETY: non-null and writable by the caller's contract.
        unsafe { *out = if s.out.is_empty() { std::ptr::null() } else { s.out.as_ptr() } };
    }
    if !out_len.is_null() {
        // SAFETY: as above.
        unsafe { *out_len = s.out.len() };
    }
}

/// Pushes the next `len` bytes of the body. The output this releases (possibly none) is
/// pointed to by `*out`, `*out_len` bytes long, valid until the next call on the stream; pass
/// it on before pushing more. Returns `DLPJET_BLOCKED` once the policy blocks the body: the
/// output then holds only what was released before the blocking finding, and every later push
/// returns `DLPJET_BLOCKED` too. After dlpjet_stream_finish: `DLPJET_ERR_STREAM_FINISHED`.
///
/// When nothing is released `*out` is NULL and `*out_len` is 0 (the stream holds back the end of
/// a chunk that a value may still continue). Test `*out_len` before copying: `memcpy` from NULL
/// is undefined behaviour even for 0 bytes.
///
/// # Safety
/// `stream` is a live stream used by this thread only; `chunk` is NULL (with `len` 0) or points
/// to `len` readable bytes; `out` and `out_len` point to writable locations.
/// `error` is NULL or points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_stream_push(
    stream: *mut dlpjet_stream,
    chunk: *const u8,
    len: usize,
    out: *mut *const u8,
    out_len: *mut usize,
    error: *mut *mut dlpjet_error,
) -> dlpjet_status {
    // SAFETY: `error` is NULL or writable, by the caller's contract.
    guard(unsafe { ErrorOut::new(error) }, || {
        // SAFETY: the caller's contract.
        let (s, chunk) = unsafe { (stream_mut(stream)?, bytes(chunk, len, "chunk")?) };
        if out.is_null() || out_len.is_null() {
            return Err(Failure::null(if out.is_null() { "out" } else { "out_len" }));
        }
        s.out.clear();
        // SAFETY: both non-null and writable by the caller's contract.
        unsafe { show(s, out, out_len) };
        if let Some(reason) = &s.blocked {
            return Err(blocked(reason));
        }
        let Some(inner) = s.inner.as_mut() else {
            return Err(Failure::new(DLPJET_ERR_STREAM_FINISHED, "the stream is already finished"));
        };
        let result = inner.push(chunk, &mut s.out);
        // SAFETY: as above.
        unsafe { show(s, out, out_len) };
        match result {
            Ok(()) => Ok(DLPJET_OK),
            Err(b) => {
                let failure = blocked(&b.reason);
                s.blocked = Some(b.reason);
                Err(failure)
            }
        }
    })
}

/// Ends the stream: the rest of the output goes to `*out` / `*out_len` (valid until the stream is
/// freed), and when `decision` is not NULL the final decision is written to `*decision` (its
/// findings' offsets count from the start of the body; free it with dlpjet_decision_free).
/// Returns `DLPJET_BLOCKED` for a blocked stream (with no further output; the decision still
/// says why), `DLPJET_ERR_STREAM_FINISHED` the second time. As with dlpjet_stream_push, no
/// output is `*out` NULL with `*out_len` 0: test the length before copying.
///
/// # Safety
/// `stream` is a live stream used by this thread only; `out` and `out_len` point to writable
/// locations; `decision` is NULL or points to a writable pointer.
/// `error` is NULL or points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_stream_finish(
    stream: *mut dlpjet_stream,
    out: *mut *const u8,
    out_len: *mut usize,
    decision: *mut *mut dlpjet_decision,
    error: *mut *mut dlpjet_error,
) -> dlpjet_status {
    // SAFETY: `error` is NULL or writable, by the caller's contract.
    guard(unsafe { ErrorOut::new(error) }, || {
        // SAFETY: the caller's contract.
        let s = unsafe { stream_mut(stream)? };
        if out.is_null() || out_len.is_null() {
            return Err(Failure::null(if out.is_null() { "out" } else { "out_len" }));
        }
        s.out.clear();
        // SAFETY: both non-null and writable by the caller's contract.
        unsafe { show(s, out, out_len) };
        let Some(inner) = s.inner.take() else {
            return Err(Failure::new(DLPJET_ERR_STREAM_FINISHED, "the stream is already finished"));
        };
        let mut tail = Vec::new();
        let d = inner.finish(&mut tail);
        if s.blocked.is_none() {
            s.out = tail;
        }
        // SAFETY: as above.
        unsafe { show(s, out, out_len) };
        let failure = match &d.reason {
            Some(reason) if d.action == dlpjet_policy::Action::Block => Some(blocked(reason)),
            _ => None,
        };
        if !decision.is_null() {
            let boxed = Box::new(dlpjet_decision::new(d, s.ids.clone()));
            // SAFETY: non-null and writable by the caller's contract.
            unsafe { put(decision, Box::into_raw(boxed), "decision")? };
        }
        failure.map_or(Ok(DLPJET_OK), Err)
    })
}

/// Bytes pushed but not yet released (they could still be part of a finding). 0 for NULL.
///
/// # Safety
/// `stream` is NULL or a live stream.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_stream_held_back(stream: *const dlpjet_stream) -> usize {
    guard_value(0, || {
        // SAFETY: NULL or live, by the caller's contract.
        unsafe { stream.as_ref() }.and_then(|s| s.inner.as_ref()).map_or(0, |i| i.held_back())
    })
}

/// Frees a stream, finished or not. NULL is ignored.
///
/// # Safety
/// `stream` is NULL or came from dlpjet_stream_new and is freed once.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_stream_free(stream: *mut dlpjet_stream) {
    guard_value((), || {
        if !stream.is_null() {
            // SAFETY: it came from Box::into_raw and is freed once.
            drop(unsafe { Box::from_raw(stream) });
        }
    })
}
