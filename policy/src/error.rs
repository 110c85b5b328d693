//! Errors loading a policy: which file, line and column, which field, and what was expected.

use std::fmt;
use std::path::{Path, PathBuf};

/// What kind of mistake a [`PolicyError`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PolicyErrorKind {
    /// A file (the policy, a dictionary, an import, a key file) could not be read.
    Io,
    /// The text is not valid TOML.
    Syntax,
    /// A key the policy format does not have.
    UnknownKey,
    /// A value of the wrong type or outside its allowed range or set.
    InvalidValue,
    /// The `version` field is missing or names a version this build does not read.
    UnsupportedVersion,
    /// A detector id that is neither built in nor defined in the policy.
    UnknownDetector,
    /// Two detectors with the same id (a custom detector named like a built-in one, say).
    DuplicateDetector,
    /// A regular expression that does not compile.
    InvalidRegex,
    /// A dictionary without terms or with an empty term.
    InvalidDictionary,
    /// `inherits` names a tenant that does not exist.
    UnknownParent,
    /// Tenants inherit from each other in a circle.
    InheritanceCycle,
    /// A pseudonym key that is missing or too short.
    MissingKey,
    /// A rule file named in `imports` could not be used.
    Import,
    /// An evaluation named a tenant the policy does not define.
    UnknownTenant,
}

impl PolicyErrorKind {
    /// A stable lower-case name (`"unknown_detector"`, …), shared by every binding.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyErrorKind::Io => "io",
            PolicyErrorKind::Syntax => "syntax",
            PolicyErrorKind::UnknownKey => "unknown_key",
            PolicyErrorKind::InvalidValue => "invalid_value",
            PolicyErrorKind::UnsupportedVersion => "unsupported_version",
            PolicyErrorKind::UnknownDetector => "unknown_detector",
            PolicyErrorKind::DuplicateDetector => "duplicate_detector",
            PolicyErrorKind::InvalidRegex => "invalid_regex",
            PolicyErrorKind::InvalidDictionary => "invalid_dictionary",
            PolicyErrorKind::UnknownParent => "unknown_parent",
            PolicyErrorKind::InheritanceCycle => "inheritance_cycle",
            PolicyErrorKind::MissingKey => "missing_key",
            PolicyErrorKind::Import => "import",
            PolicyErrorKind::UnknownTenant => "unknown_tenant",
        }
    }
}

impl fmt::Display for PolicyErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A policy that could not be loaded, or a tenant that does not exist.
///
/// Displays as `file:line:column: field.path: what was wrong`, leaving out what is unknown:
///
/// ```text
/// policy.toml:12:10: tenants.acme.detectors.credit_card.action: unknown variant `explode`, expected one of `allow`, `warn`, `redact`, `block`
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    kind: PolicyErrorKind,
    file: Option<PathBuf>,
    position: Option<(usize, usize)>,
    field: String,
    message: String,
}

impl PolicyError {
    pub(crate) fn new(kind: PolicyErrorKind, field: impl Into<String>, message: impl Into<String>) -> PolicyError {
        PolicyError { kind, file: None, position: None, field: field.into(), message: message.into() }
    }

    pub(crate) fn at(mut self, file: Option<&Path>, position: Option<(usize, usize)>) -> PolicyError {
        if self.file.is_none() {
            self.file = file.map(Path::to_path_buf);
        }
        if self.position.is_none() {
            self.position = position;
        }
        self
    }

    /// The kind of mistake.
    pub fn kind(&self) -> PolicyErrorKind {
        self.kind
    }

    /// The file the mistake is in, when the policy came from a file.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// Line (from 1) of the mistake, when known.
    pub fn line(&self) -> Option<usize> {
        self.position.map(|p| p.0)
    }

    /// Column (from 1, in characters) of the mistake, when known.
    pub fn column(&self) -> Option<usize> {
        self.position.map(|p| p.1)
    }

    /// The field path, such as `tenants.acme.detectors.credit_card.action` (empty for the
    /// document as a whole).
    pub fn field(&self) -> &str {
        &self.field
    }

    /// What was wrong and what was expected, without the location.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}:", file.display())?;
            if let Some((line, col)) = self.position {
                write!(f, "{line}:{col}:")?;
            }
            f.write_str(" ")?;
        } else if let Some((line, col)) = self.position {
            write!(f, "line {line}, column {col}: ")?;
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}
