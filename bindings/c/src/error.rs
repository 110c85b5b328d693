//! Status codes, the error object a failed call hands back, and the guard every entry point
//! runs in.

use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What a call did: `DLPJET_OK`, `DLPJET_BLOCKED`, or one of the `DLPJET_ERR_*` codes.
/// Represented as an `int32_t` so that the ABI does not depend on the compiler's enum size.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dlpjet_status {
    /// The call succeeded.
    DLPJET_OK = 0,
    /// Not an error: the policy blocks this input (or stream). The call's dlpjet_error, when
    /// asked for, names the reason (the detector and how many hits, or the size limit), never
    /// the sensitive value.
    DLPJET_BLOCKED = 1,
    /// A required pointer was NULL (or a NULL data pointer came with a non-zero length).
    DLPJET_ERR_NULL_POINTER = 2,
    /// An argument is out of range: an unknown direction, a length above PTRDIFF_MAX.
    DLPJET_ERR_INVALID_ARGUMENT = 3,
    /// Policy text, a tenant name or a path is not valid UTF-8.
    DLPJET_ERR_INVALID_UTF8 = 4,
    /// The policy has a mistake; the call's dlpjet_error says where (file:line:column: field:
    /// what) and dlpjet_error_location() gives the line and column.
    DLPJET_ERR_POLICY = 5,
    /// The policy does not define the tenant asked for.
    DLPJET_ERR_UNKNOWN_TENANT = 6,
    /// The caller's buffer is too small; the needed size (or count) was written to the size
    /// out-parameter, and nothing else was written.
    DLPJET_ERR_BUFFER_TOO_SMALL = 7,
    /// The stream was already finished.
    DLPJET_ERR_STREAM_FINISHED = 8,
    /// An internal failure (a bug in dlpjet), caught before it reached the caller.
    DLPJET_ERR_INTERNAL = 9,
}

pub use dlpjet_status::*;

/// Every status, in the order of its number.
const ALL: [dlpjet_status; 10] = [
    DLPJET_OK,
    DLPJET_BLOCKED,
    DLPJET_ERR_NULL_POINTER,
    DLPJET_ERR_INVALID_ARGUMENT,
    DLPJET_ERR_INVALID_UTF8,
    DLPJET_ERR_POLICY,
    DLPJET_ERR_UNKNOWN_TENANT,
    DLPJET_ERR_BUFFER_TOO_SMALL,
    DLPJET_ERR_STREAM_FINISHED,
    DLPJET_ERR_INTERNAL,
];

impl dlpjet_status {
    /// The name, and a one-line description, of each status (static, NUL-terminated).
    fn texts(self) -> (&'static CStr, &'static CStr) {
        match self {
            DLPJET_OK => (c"DLPJET_OK", c"the call succeeded"),
            DLPJET_BLOCKED => (c"DLPJET_BLOCKED", c"the policy blocks this input"),
            DLPJET_ERR_NULL_POINTER => (c"DLPJET_ERR_NULL_POINTER", c"a required pointer is NULL"),
            DLPJET_ERR_INVALID_ARGUMENT => (c"DLPJET_ERR_INVALID_ARGUMENT", c"an argument is out of range"),
            DLPJET_ERR_INVALID_UTF8 => (c"DLPJET_ERR_INVALID_UTF8", c"a text argument is not valid UTF-8"),
            DLPJET_ERR_POLICY => (c"DLPJET_ERR_POLICY", c"the policy has a mistake"),
            DLPJET_ERR_UNKNOWN_TENANT => (c"DLPJET_ERR_UNKNOWN_TENANT", c"the policy does not define the tenant"),
            DLPJET_ERR_BUFFER_TOO_SMALL => (c"DLPJET_ERR_BUFFER_TOO_SMALL", c"the caller's buffer is too small"),
            DLPJET_ERR_STREAM_FINISHED => (c"DLPJET_ERR_STREAM_FINISHED", c"the stream is already finished"),
            DLPJET_ERR_INTERNAL => (c"DLPJET_ERR_INTERNAL", c"internal error in dlpjet"),
        }
    }

    fn from_i32(code: i32) -> Option<dlpjet_status> {
        ALL.iter().copied().find(|&s| s as i32 == code)
    }
}

/// A failed call: its status, a message, and for policy errors the line and column.
#[derive(Debug)]
pub(crate) struct Failure {
    pub status: dlpjet_status,
    pub message: String,
    pub location: Option<(usize, usize)>,
}

impl Failure {
    pub fn new(status: dlpjet_status, message: impl Into<String>) -> Failure {
        Failure { status, message: message.into(), location: None }
    }

    pub fn null(what: &str) -> Failure {
        Failure::new(DLPJET_ERR_NULL_POINTER, format!("{what} is NULL"))
    }
}

/// What went wrong in one call: its status, a one-line message and, for a policy mistake, the
/// line and column. A call that returns anything but `DLPJET_OK` writes a new one to its
/// `error` argument when that is not NULL; the caller frees it with dlpjet_error_free. Nothing
/// is kept anywhere else: no per-thread state.
#[derive(Debug)]
pub struct dlpjet_error {
    status: dlpjet_status,
    message: CString,
    location: Option<(usize, usize)>,
}

impl From<Failure> for dlpjet_error {
    fn from(f: Failure) -> dlpjet_error {
        // A message with a NUL in it (from a policy's text) is cut there rather than lost.
        let bytes: Vec<u8> = f.message.into_bytes().into_iter().take_while(|&b| b != 0).collect();
        dlpjet_error { status: f.status, message: CString::new(bytes).unwrap_or_default(), location: f.location }
    }
}

/// Where a call hands back its dlpjet_error: the caller's `error` argument.
#[derive(Debug)]
pub(crate) struct ErrorOut(*mut *mut dlpjet_error);

impl ErrorOut {
    /// # Safety
    /// `error` is NULL or points to a writable `dlpjet_error *`.
    pub(crate) unsafe fn new(error: *mut *mut dlpjet_error) -> ErrorOut {
        ErrorOut(error)
    }
}

/// Runs one entry point's body: a returned failure becomes its status (and, when the caller
/// asked for it, a new dlpjet_error written to `error`); a panic is caught here and becomes
/// `DLPJET_ERR_INTERNAL`.
pub(crate) fn guard(error: ErrorOut, body: impl FnOnce() -> Result<dlpjet_status, Failure>) -> dlpjet_status {
    let failure = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(status)) => return status,
        Ok(Err(f)) => f,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".to_string());
            Failure::new(DLPJET_ERR_INTERNAL, format!("internal error in dlpjet: {what}"))
        }
    };
    let status = failure.status;
    if !error.0.is_null() {
        let details = Box::into_raw(Box::new(dlpjet_error::from(failure)));
        // SAFETY: non-null, and writable by the contract of `ErrorOut::new`; `write` does not
        // read or drop what was there.
        unsafe { error.0.write(details) };
    }
    status
}

/// Runs a body that cannot report a status (accessors, free functions): a panic is caught
/// and `fallback` returned.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// The failure of a blocked input: `DLPJET_BLOCKED`, naming the reason (never the value).
pub(crate) fn blocked(reason: &dlpjet_policy::BlockReason) -> Failure {
    Failure::new(DLPJET_BLOCKED, format!("blocked by policy: {reason}"))
}

/// The status of a failed call (`DLPJET_ERR_NULL_POINTER` for NULL).
///
/// # Safety
/// `error` is NULL or a live dlpjet_error.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_error_status(error: *const dlpjet_error) -> dlpjet_status {
    // SAFETY: NULL or live, by the caller's contract.
    guard_value(DLPJET_ERR_INTERNAL, || unsafe { error.as_ref() }.map_or(DLPJET_ERR_NULL_POINTER, |e| e.status))
}

/// The failed call's message, one line (`file:line:column: field: what` for a policy mistake),
/// valid until the error is freed; NULL for NULL.
///
/// # Safety
/// `error` is NULL or a live dlpjet_error.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_error_message(error: *const dlpjet_error) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: NULL or live, by the caller's contract.
        unsafe { error.as_ref() }.map_or(std::ptr::null(), |e| e.message.as_ptr())
    })
}

/// For a policy mistake with a known place: writes its 1-based line and column (in
/// characters) and returns true. Otherwise returns false and writes nothing. Either pointer
/// may be NULL.
///
/// # Safety
/// `error` is NULL or a live dlpjet_error; `line` and `column` are NULL or point to writable
/// `size_t`s.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_error_location(
    error: *const dlpjet_error,
    line: *mut usize,
    column: *mut usize,
) -> bool {
    guard_value(false, || {
        // SAFETY: NULL or live, by the caller's contract.
        let Some((l, c)) = unsafe { error.as_ref() }.and_then(|e| e.location) else {
            return false;
        };
        if !line.is_null() {
            // SAFETY: the caller passes NULL or a writable size_t; NULL was ruled out.
            unsafe { *line = l };
        }
        if !column.is_null() {
            // SAFETY: as for `line`.
            unsafe { *column = c };
        }
        true
    })
}

/// Frees an error. NULL is ignored.
///
/// # Safety
/// `error` is NULL or came from a dlpjet call's `error` argument and is freed once.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_error_free(error: *mut dlpjet_error) {
    guard_value((), || {
        if !error.is_null() {
            // SAFETY: it came from Box::into_raw in `guard` and is freed once.
            drop(unsafe { Box::from_raw(error) });
        }
    })
}

/// A status code's name (`"DLPJET_ERR_POLICY"`, ...), or `"DLPJET_UNKNOWN_STATUS"` for a value
/// that is not a dlpjet_status. Static.
#[no_mangle]
pub extern "C" fn dlpjet_status_name(status: i32) -> *const c_char {
    dlpjet_status::from_i32(status).map_or(c"DLPJET_UNKNOWN_STATUS", |s| s.texts().0).as_ptr()
}

/// What a status code means, in one line (`"the policy has a mistake"`), or `"unknown status"`
/// for a value that is not a dlpjet_status. Static. The details of one failed call are in its
/// dlpjet_error.
#[no_mangle]
pub extern "C" fn dlpjet_status_message(status: i32) -> *const c_char {
    dlpjet_status::from_i32(status).map_or(c"unknown status", |s| s.texts().1).as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `body` in a guard that asks for the error, and gives back the status and the error.
    fn run(body: impl FnOnce() -> Result<dlpjet_status, Failure>) -> (dlpjet_status, *mut dlpjet_error) {
        let mut error = std::ptr::null_mut();
        // SAFETY: `error` is a writable pointer.
        let status = guard(unsafe { ErrorOut::new(&mut error) }, body);
        (status, error)
    }

    fn message(e: *const dlpjet_error) -> String {
        // SAFETY: a live error's message is a NUL-terminated string it owns.
        unsafe { CStr::from_ptr(dlpjet_error_message(e)) }.to_str().unwrap().to_string()
    }

    #[test]
    fn a_panic_becomes_an_internal_error_with_its_message() {
        let (status, e) = run(|| panic!("boom"));
        assert_eq!(status, DLPJET_ERR_INTERNAL);
        assert_eq!(message(e), "internal error in dlpjet: boom");
        // SAFETY: a live error, freed once.
        unsafe { dlpjet_error_free(e) };
        assert_eq!(guard_value(7, || -> i32 { panic!("again") }), 7);
    }

    #[test]
    fn a_failure_is_handed_back_with_its_location_and_nothing_is_kept() {
        let f =
            Failure { status: DLPJET_ERR_POLICY, message: "p.toml:3:7: x: bad\0tail".into(), location: Some((3, 7)) };
        let (status, e) = run(|| Err(f));
        assert_eq!(status, DLPJET_ERR_POLICY);
        // SAFETY: `e` is live until freed below; the location pointers are writable.
        unsafe {
            assert_eq!(dlpjet_error_status(e), DLPJET_ERR_POLICY);
            assert_eq!(message(e), "p.toml:3:7: x: bad");
            let (mut l, mut c) = (0, 0);
            assert!(dlpjet_error_location(e, &mut l, &mut c));
            assert_eq!((l, c), (3, 7));
            dlpjet_error_free(e);
        }
        // Success writes nothing; without an `error` pointer only the status comes back.
        let (status, e) = run(|| Ok(DLPJET_OK));
        assert!(status == DLPJET_OK && e.is_null());
        // SAFETY: NULL `error` is allowed.
        let quiet = unsafe { ErrorOut::new(std::ptr::null_mut()) };
        assert_eq!(guard(quiet, || Err(Failure::null("out"))), DLPJET_ERR_NULL_POINTER);
        // SAFETY: NULL is accepted by every accessor.
        unsafe {
            assert_eq!(dlpjet_error_status(std::ptr::null()), DLPJET_ERR_NULL_POINTER);
            assert!(dlpjet_error_message(std::ptr::null()).is_null());
            assert!(!dlpjet_error_location(std::ptr::null(), std::ptr::null_mut(), std::ptr::null_mut()));
            dlpjet_error_free(std::ptr::null_mut());
        }
    }

    #[test]
    fn status_names_and_messages() {
        for (s, n, m) in [
            (0, "DLPJET_OK", "the call succeeded"),
            (DLPJET_ERR_POLICY as i32, "DLPJET_ERR_POLICY", "the policy has a mistake"),
            (DLPJET_ERR_INTERNAL as i32, "DLPJET_ERR_INTERNAL", "internal error in dlpjet"),
            (42, "DLPJET_UNKNOWN_STATUS", "unknown status"),
        ] {
            // SAFETY: static NUL-terminated strings.
            unsafe {
                assert_eq!(CStr::from_ptr(dlpjet_status_name(s)).to_str().unwrap(), n);
                assert_eq!(CStr::from_ptr(dlpjet_status_message(s)).to_str().unwrap(), m);
            }
        }
        for (i, s) in ALL.iter().enumerate() {
            assert_eq!(*s as i32, i as i32, "status numbers are stable and dense");
        }
    }
}
