//! Turning the caller's pointers into Rust values, with a failure for each way they can be wrong.

use crate::error::{Failure, DLPJET_ERR_INVALID_ARGUMENT, DLPJET_ERR_INVALID_UTF8};
use crate::types::dlpjet_direction;
use dlpjet_policy::Direction;
use std::ffi::{c_char, CStr};

/// `len` bytes at `ptr`. A NULL pointer is accepted for an empty input only.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes that stay unchanged for `'a`.
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize, what: &str) -> Result<&'a [u8], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::null(what));
    }
    if len > isize::MAX as usize {
        return Err(Failure::new(
            DLPJET_ERR_INVALID_ARGUMENT,
            format!("{what} length {len} is larger than PTRDIFF_MAX"),
        ));
    }
    // SAFETY: non-null, at most isize::MAX bytes, and readable for `len` bytes by the caller's
    // contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// `bytes` as UTF-8 text, or a failure naming the first bad byte.
pub(crate) fn utf8<'a>(bytes: &'a [u8], what: &str) -> Result<&'a str, Failure> {
    std::str::from_utf8(bytes).map_err(|e| {
        Failure::new(DLPJET_ERR_INVALID_UTF8, format!("{what} is not valid UTF-8 (at byte {})", e.valid_up_to()))
    })
}

/// A NUL-terminated UTF-8 string, or `None` for NULL.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays unchanged for `'a`.
pub(crate) unsafe fn c_str<'a>(ptr: *const c_char, what: &str) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-null and NUL-terminated by the caller's contract.
    let s = unsafe { CStr::from_ptr(ptr) };
    utf8(s.to_bytes(), what).map(Some)
}

pub(crate) fn direction(d: dlpjet_direction) -> Result<Direction, Failure> {
    u8::try_from(d).ok().and_then(Direction::from_code).ok_or_else(|| {
        Failure::new(
            DLPJET_ERR_INVALID_ARGUMENT,
            format!("direction {d} is not DLPJET_INBOUND, DLPJET_OUTBOUND or DLPJET_BOTH"),
        )
    })
}

/// Writes `value` through `out`, which must not be NULL.
///
/// # Safety
/// `out` is NULL or points to a writable `T`.
pub(crate) unsafe fn put<T>(out: *mut T, value: T, what: &str) -> Result<(), Failure> {
    if out.is_null() {
        return Err(Failure::null(what));
    }
    // SAFETY: non-null and writable by the caller's contract; `write` does not drop the old
    // (possibly uninitialised) value.
    unsafe { out.write(value) };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DLPJET_ERR_NULL_POINTER;

    #[test]
    fn pointers_and_lengths() {
        // SAFETY: every call passes NULL or a valid buffer of the stated length, or a length the
        // function must reject before reading.
        unsafe {
            assert_eq!(bytes(std::ptr::null(), 0, "data").unwrap(), b"");
            assert_eq!(bytes(std::ptr::null(), 3, "data").unwrap_err().status, DLPJET_ERR_NULL_POINTER);
            let b = [1u8, 2];
            assert_eq!(bytes(b.as_ptr(), usize::MAX, "data").unwrap_err().status, DLPJET_ERR_INVALID_ARGUMENT);
            assert_eq!(bytes(b.as_ptr(), 2, "data").unwrap(), &[1, 2]);
            assert_eq!(c_str(c"acme".as_ptr(), "tenant").unwrap(), Some("acme"));
            assert_eq!(c_str(std::ptr::null(), "tenant").unwrap(), None);
            let bad = [0xffu8, 0];
            assert_eq!(c_str(bad.as_ptr().cast(), "tenant").unwrap_err().status, DLPJET_ERR_INVALID_UTF8);
            assert_eq!(put(std::ptr::null_mut::<u8>(), 1, "out").unwrap_err().status, DLPJET_ERR_NULL_POINTER);
        }
        assert_eq!(direction(7).unwrap_err().status, DLPJET_ERR_INVALID_ARGUMENT);
        assert_eq!(utf8(b"ok\xc3", "policy").unwrap_err().message, "policy is not valid UTF-8 (at byte 2)");
    }
}
