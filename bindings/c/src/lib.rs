//! The dlpjet C ABI: `libdlpjet.so` / `libdlpjet.a` and the header `include/dlpjet.h`.
//!
//! Every function here is `extern "C"`, takes and returns only C types, checks its pointers and
//! lengths, and runs inside [`std::panic::catch_unwind`], so that no Rust panic ever crosses
//! into the calling program. Handles are opaque: a scanner (a tenant's compiled policy, shared
//! by any number of threads), a stream (one body arriving in pieces), result objects, and the
//! error a failed call hands back.
//!
//! Conventions (as rustls-ffi's): `_new` makes a handle and `_free` frees it (NULL ignored); a
//! `const` first argument is not changed; every buffer is followed by its length; outputs are
//! written only on success, except where a function documents what it writes on failure (the
//! needed size of a buffer); every fallible function returns a [`dlpjet_status`] with a stable
//! number and takes a last `dlpjet_error **error`, which receives a new [`dlpjet_error`] when the
//! call does not return `DLPJET_OK` and `error` is not NULL. Nothing is kept per thread.
//!
//! ```
//! use dlpjet_c::*;
//! use std::ffi::CStr;
//! use std::ptr;
//!
//! let mut scanner = ptr::null_mut();
//! // SAFETY: a null policy with length 0 asks for the default policy; `scanner` is writable;
//! // a NULL `error` asks for the status alone.
//! let status = unsafe { dlpjet_scanner_new(ptr::null(), 0, ptr::null(), &mut scanner, ptr::null_mut()) };
//! assert_eq!(status, DLPJET_OK);
//!
//! let text = b"card 4111 1111 1111 1111";
//! let mut out = [0u8; 64];
//! let mut len = 0;
//! // SAFETY: `text` and `out` are valid for the lengths given; `scanner` came from above.
//! let status = unsafe {
//!     dlpjet_redact(scanner, DLPJET_INBOUND, text.as_ptr(), text.len(), out.as_mut_ptr(), out.len(), &mut len, ptr::null_mut())
//! };
//! assert_eq!(status, DLPJET_OK);
//! assert_eq!(&out[..len], b"card [CREDIT_CARD]");
//!
//! // A failed call hands back what went wrong, when asked.
//! let bad = b"version = 1\n[default]\ndefault_action = \"explode\"\n";
//! let (mut other, mut error) = (ptr::null_mut(), ptr::null_mut());
//! // SAFETY: `bad` is valid for its length; `other` and `error` are writable.
//! let status = unsafe { dlpjet_scanner_new(bad.as_ptr().cast(), bad.len(), ptr::null(), &mut other, &mut error) };
//! assert_eq!(status, DLPJET_ERR_POLICY);
//! // SAFETY: `error` is live until freed; its message is a NUL-terminated string it owns.
//! let message = unsafe { CStr::from_ptr(dlpjet_error_message(error)) }.to_str().unwrap();
//! assert!(message.starts_with("line 3, column 18: default.default_action"), "{message}");
//! // SAFETY: each handle came from dlpjet and is freed once.
//! unsafe {
//!     dlpjet_error_free(error);
//!     dlpjet_scanner_free(scanner);
//! }
//! ```

#![allow(non_camel_case_types)]

mod error;
mod input;
mod results;
mod scanner;
mod stream;
mod types;

pub use error::*;
pub use results::*;
pub use scanner::*;
pub use stream::*;
pub use types::*;

/// The major version of this header and library.
pub const DLPJET_VERSION_MAJOR: u32 = 0;
/// The minor version of this header and library.
pub const DLPJET_VERSION_MINOR: u32 = 1;
/// The patch version of this header and library.
pub const DLPJET_VERSION_PATCH: u32 = 0;

/// The library's version, `"MAJOR.MINOR.PATCH"`: compare with the `DLPJET_VERSION_*` macros to
/// check that the library loaded at run time is the one the program was compiled against.
/// The string is static.
#[no_mangle]
pub extern "C" fn dlpjet_version() -> *const std::ffi::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_macros_follow_the_crate_version() {
        let v =
            format!("{}.{}.{}", super::DLPJET_VERSION_MAJOR, super::DLPJET_VERSION_MINOR, super::DLPJET_VERSION_PATCH);
        assert_eq!(v, env!("CARGO_PKG_VERSION"));
        // SAFETY: dlpjet_version returns a static NUL-terminated string.
        let s = unsafe { std::ffi::CStr::from_ptr(super::dlpjet_version()) };
        assert_eq!(s.to_str().unwrap(), v);
    }
}
