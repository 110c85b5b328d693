//! dlpjet finds sensitive data in text and bytes — payment cards, SSNs, e-mail addresses,
//! phone numbers, cloud keys, API tokens, private keys, IBANs, IP addresses and the
//! organisation's own patterns — validates it, and redacts it, at memory-bandwidth speed.
//!
//! # Overview
//! * [`Scanner`] is compiled once from a set of detectors ([`Builtin`] ones and custom
//!   [`CustomRegex`] / [`Dictionary`] detectors, filtered by [`Allowlist`]s). It is
//!   `Send + Sync` and cheap to clone. [`Scanner::scan`] takes any bytes and never fails.
//! * [`StreamScanner`] scans data that arrives in chunks and reports exactly the findings a
//!   one-shot scan would, holding back a bounded tail ([`Scanner::max_holdback`]).
//! * [`Redactor`] rewrites text in a [`Style`] per detector, one-shot or as an
//!   [`io::Write`](std::io::Write) adapter ([`RedactWriter`]).
//! * [`Scanner::scan_many`] scans many inputs at once on every core; [`batch`] has the
//!   blocks it cuts them into, for callers that convert results in parallel too.
//! * [`Scanner::explain`] says why each finding was reported and why suppressed candidates
//!   were not.
//!
//! # Example
//! ```
//! use dlpjet::{Redactor, Scanner, Style};
//!
//! let scanner = Scanner::new();
//! let text = "Card: 4111 1111 1111 1111, e-mail: jane@example.org";
//! let ids: Vec<String> = scanner.scan(text.as_bytes()).iter().map(|f| f.detector.to_string()).collect();
//! assert_eq!(ids, ["credit_card", "email"]);
//!
//! let redactor = Redactor::builder(scanner).style("credit_card", Style::Partial { keep_last: 4 }).build()?;
//! assert_eq!(redactor.redact_str(text), "Card: **** **** **** 1111, e-mail: [EMAIL]");
//! # Ok::<(), dlpjet::BuildError>(())
//! ```
//!
//! # How matching works
//! Prefilter lanes find anchors (digit runs with an SSE2 byte-class scan, `@` and `:` with
//! memchr, vendor prefixes and secret keywords with aho-corasick's Teddy, custom patterns with
//! regex-automata), evaluators confirm the shape in a bounded window around each anchor, and
//! validators (Luhn, SSN ranges, mod-97, entropy, JWT header decoding) decide. Every step is
//! linear in the input. `core/DESIGN.md` has the details.
#![deny(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod batch;
mod decode;
mod detect;
mod engine;
mod error;
mod explain;
mod finding;
pub mod offsets;
mod preview;
mod redact;
mod scanner;
mod simd;
mod stream;
pub mod utf16;
pub mod validate;

pub use detect::catalog::Builtin;
pub use detect::context::CONTEXT_WINDOW;
pub use detect::custom::{
    check_detector_id, check_pattern, Allowlist, CustomRegex, Dictionary, DEFAULT_MAX_LEN, MAX_MAX_LEN,
};
pub use error::{BuildError, ErrorKind};
pub use explain::{DetectorStats, Explanation, Outcome, Rejection};
pub use finding::Finding;
pub use preview::{preview, preview_into};
pub use redact::{RedactWriter, Redactor, RedactorBuilder, Style};
pub use scanner::{Scanner, ScannerBuilder, DEFAULT_DECODE_BLOCK, DEFAULT_DECODE_DEPTH, MAX_DECODE_DEPTH};
pub use stream::{Event, StreamScanner};
pub use validate::Validator;

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn public_types_are_send_and_sync() {
        assert_send_sync::<Scanner>();
        assert_send_sync::<StreamScanner>();
        assert_send_sync::<Redactor>();
        assert_send_sync::<RedactWriter<Vec<u8>>>();
        assert_send_sync::<Finding>();
        assert_send_sync::<BuildError>();
        assert_send_sync::<Explanation>();
    }
}
