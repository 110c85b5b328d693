//! Status codes, the thread's last error, and the guard every entry point runs in.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What a call did: `DLPJET_OK`, `DLPJET_BLOCKED`, or one of the `DLPJET_ERR_*` codes.
/// Represented as an `int32_t` so that the ABI does not depend on the compiler's enum size.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dlpjet_status {
    /// The call succeeded.
    DLPJET_OK = 0,
    /// Not an error: the policy blocks this input (or stream). dlpjet_last_error() names the
    /// reason (the detector and how many hits, or the size limit), never the sensitive value.
    DLPJET_BLOCKED = 1,
    /// A required pointer was NULL (or a NULL data pointer came with a non-zero length).
    DLPJET_ERR_NULL_POINTER = 2,
    /// An argument is out of range: an unknown direction, a length above PTRDIFF_MAX.
    DLPJET_ERR_INVALID_ARGUMENT = 3,
    /// Policy text, a tenant name or a path is not valid UTF-8.
    DLPJET_ERR_INVALID_UTF8 = 4,
    /// The policy has a mistake; dlpjet_last_error() says where (file:line:column: field:
    /// what) and dlpjet_last_error_location() gives the line and column.
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

struct LastError {
    message: CString,
    location: Option<(usize, usize)>,
}

thread_local! {
    static LAST_ERROR: RefCell<Option<LastError>> = const { RefCell::new(None) };
}

fn remember(f: Failure) -> dlpjet_status {
    // A message with a NUL in it (from a policy's text) is cut there rather than lost.
    let bytes: Vec<u8> = f.message.into_bytes().into_iter().take_while(|&b| b != 0).collect();
    let message = CString::new(bytes).unwrap_or_default();
    LAST_ERROR.with_borrow_mut(|e| *e = Some(LastError { message, location: f.location }));
    f.status
}

/// Runs one entry point's body: a returned failure becomes its status and the thread's last
/// error; a panic is caught here and becomes `DLPJET_ERR_INTERNAL`.
pub(crate) fn guard(body: impl FnOnce() -> Result<dlpjet_status, Failure>) -> dlpjet_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(status)) => status,
        Ok(Err(f)) => remember(f),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".to_string());
            remember(Failure::new(DLPJET_ERR_INTERNAL, format!("internal error in dlpjet: {what}")))
        }
    }
}

/// Runs a body that cannot report a status (accessors, free functions): a panic is caught,
/// recorded as the last error, and `fallback` returned.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    let mut out = None;
    guard(|| {
        out = Some(body());
        Ok(DLPJET_OK)
    });
    out.unwrap_or(fallback)
}

/// Records `reason` as the thread's last error and returns `DLPJET_BLOCKED`.
pub(crate) fn blocked(reason: &dlpjet_policy::BlockReason) -> dlpjet_status {
    remember(Failure::new(DLPJET_BLOCKED, format!("blocked by policy: {reason}")))
}

/// The message of the last call on this thread that did not return `DLPJET_OK`, or NULL if
/// there was none. The string is owned by the library and valid until the next call that
/// fails on this thread.
#[no_mangle]
pub extern "C" fn dlpjet_last_error() -> *const c_char {
    guard_value(std::ptr::null(), || {
        LAST_ERROR.with_borrow(|e| e.as_ref().map_or(std::ptr::null(), |e| e.message.as_ptr()))
    })
}

/// For a last error of `DLPJET_ERR_POLICY` with a known place: writes its 1-based line and
/// column (in characters) and returns true. Otherwise returns false and writes nothing.
/// Either pointer may be NULL.
///
/// # Safety
/// `line` and `column` are NULL or point to writable `size_t`s.
#[no_mangle]
pub unsafe extern "C" fn dlpjet_last_error_location(line: *mut usize, column: *mut usize) -> bool {
    guard_value(false, || {
        let Some((l, c)) = LAST_ERROR.with_borrow(|e| e.as_ref().and_then(|e| e.location)) else {
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

/// A status code's name (`"DLPJET_ERR_POLICY"`, ...), or `"DLPJET_UNKNOWN_STATUS"` for a value
/// that is not a dlpjet_status. Static.
#[no_mangle]
pub extern "C" fn dlpjet_status_name(status: i32) -> *const c_char {
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
    let Some(&status) = ALL.iter().find(|&&s| s as i32 == status) else {
        return c"DLPJET_UNKNOWN_STATUS".as_ptr();
    };
    let name: &'static str = match status {
        DLPJET_OK => "DLPJET_OK\0",
        DLPJET_BLOCKED => "DLPJET_BLOCKED\0",
        DLPJET_ERR_NULL_POINTER => "DLPJET_ERR_NULL_POINTER\0",
        DLPJET_ERR_INVALID_ARGUMENT => "DLPJET_ERR_INVALID_ARGUMENT\0",
        DLPJET_ERR_INVALID_UTF8 => "DLPJET_ERR_INVALID_UTF8\0",
        DLPJET_ERR_POLICY => "DLPJET_ERR_POLICY\0",
        DLPJET_ERR_UNKNOWN_TENANT => "DLPJET_ERR_UNKNOWN_TENANT\0",
        DLPJET_ERR_BUFFER_TOO_SMALL => "DLPJET_ERR_BUFFER_TOO_SMALL\0",
        DLPJET_ERR_STREAM_FINISHED => "DLPJET_ERR_STREAM_FINISHED\0",
        DLPJET_ERR_INTERNAL => "DLPJET_ERR_INTERNAL\0",
    };
    name.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn last() -> String {
        // SAFETY: a non-null result is a NUL-terminated string owned by this thread's state.
        unsafe { CStr::from_ptr(dlpjet_last_error()) }.to_str().unwrap().to_string()
    }

    #[test]
    fn a_panic_becomes_an_internal_error_with_its_message() {
        let status = guard(|| panic!("boom"));
        assert_eq!(status, DLPJET_ERR_INTERNAL);
        assert_eq!(last(), "internal error in dlpjet: boom");
        assert_eq!(guard_value(7, || -> i32 { panic!("again") }), 7);
        assert_eq!(last(), "internal error in dlpjet: again");
    }

    #[test]
    fn failures_are_remembered_per_thread_with_their_location() {
        let f =
            Failure { status: DLPJET_ERR_POLICY, message: "p.toml:3:7: x: bad\0tail".into(), location: Some((3, 7)) };
        assert_eq!(guard(|| Err(f)), DLPJET_ERR_POLICY);
        assert_eq!(last(), "p.toml:3:7: x: bad");
        let (mut l, mut c) = (0, 0);
        // SAFETY: both pointers are writable.
        assert!(unsafe { dlpjet_last_error_location(&mut l, &mut c) });
        assert_eq!((l, c), (3, 7));
        std::thread::spawn(|| assert!(dlpjet_last_error().is_null())).join().unwrap();
    }

    #[test]
    fn status_names() {
        for (s, n) in
            [(0, "DLPJET_OK"), (DLPJET_ERR_INTERNAL as i32, "DLPJET_ERR_INTERNAL"), (42, "DLPJET_UNKNOWN_STATUS")]
        {
            // SAFETY: static NUL-terminated strings.
            assert_eq!(unsafe { CStr::from_ptr(dlpjet_status_name(s)) }.to_str().unwrap(), n);
        }
    }
}
