//! Errors raised while building a [`Scanner`](crate::Scanner) or a redactor.
//!
//! Scanning itself never fails because of the input bytes; only configuration does.

use std::fmt;

/// What kind of configuration mistake a [`BuildError`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A detector id that is neither built in nor defined by the caller.
    UnknownDetector,
    /// Two detectors were given the same id.
    DuplicateDetector,
    /// A custom regular expression did not compile.
    InvalidRegex,
    /// A dictionary had no usable terms, or a term was empty.
    InvalidDictionary,
    /// A numeric option was out of range (confidence, entropy, length).
    InvalidOption,
    /// The combined automata would exceed the configured size limit.
    TooLarge,
}

impl ErrorKind {
    /// A stable, lowercase name for the kind (`"invalid_regex"`, …), shared by every binding.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::UnknownDetector => "unknown_detector",
            ErrorKind::DuplicateDetector => "duplicate_detector",
            ErrorKind::InvalidRegex => "invalid_regex",
            ErrorKind::InvalidDictionary => "invalid_dictionary",
            ErrorKind::InvalidOption => "invalid_option",
            ErrorKind::TooLarge => "too_large",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error building a scanner: names the detector and what was wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BuildError {
    kind: ErrorKind,
    message: String,
    option: Option<&'static str>,
}

impl BuildError {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> BuildError {
        BuildError { kind, message: message.into(), option: None }
    }

    /// Names the detector option at fault.
    pub(crate) fn on(mut self, option: &'static str) -> BuildError {
        self.option = Some(option);
        self
    }

    /// The custom detector's option at fault (`"pattern"`, `"group"`, `"max_len"`,
    /// `"confidence"`, `"entropy"`, `"keywords"`), when the error is about one.
    pub fn option(&self) -> Option<&'static str> {
        self.option
    }

    /// The kind of mistake.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}
