//! Explanations: why a finding was reported, or why a candidate was not.

use std::ops::Range;
use std::sync::Arc;

/// Why a shaped candidate was not reported.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Rejection {
    /// A validator failed (its name: `"luhn"`, `"mod97"`, `"entropy"`, …).
    Validation(&'static str),
    /// The detector needs a context word nearby and none was seen.
    MissingContext,
    /// The detector needs one of its keywords in or near the match and none was seen.
    MissingKeyword,
    /// The value is a placeholder (`changeme`, `${VAR}`, `xxxx`, `<token>`).
    Placeholder,
    /// The value is a documented example or filler, by the named rule (`"published example"`,
    /// `"EXAMPLE marker"`, `"repeated character"`, `"alphabet run"`).
    Example(&'static str),
    /// An allowlist entry matched the value.
    Allowlisted,
    /// The confidence was below the scanner's minimum.
    BelowMinConfidence,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::Validation(v) => write!(f, "{v} check failed"),
            Rejection::MissingContext => f.write_str("no context word nearby"),
            Rejection::MissingKeyword => f.write_str("no keyword nearby"),
            Rejection::Placeholder => f.write_str("placeholder value"),
            Rejection::Example(rule) => write!(f, "example value ({rule})"),
            Rejection::Allowlisted => f.write_str("allowlisted"),
            Rejection::BelowMinConfidence => f.write_str("below minimum confidence"),
        }
    }
}

/// What became of an explained candidate.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Reported as a finding.
    Reported,
    /// Rejected by its detector or a filter.
    Rejected(Rejection),
    /// Overlapped by a more specific finding (named here), which was reported instead.
    Outranked {
        /// The detector whose candidate won.
        by: Arc<str>,
    },
}

/// How a candidate was found and judged. Produced by [`Scanner::explain`](crate::Scanner::explain).
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// Detector id.
    pub detector: Arc<str>,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset just past the last byte.
    pub end: usize,
    /// Final confidence (0 for rejected candidates).
    pub confidence: f32,
    /// Confidence before any context boost.
    pub base_confidence: f32,
    /// The validator that passed.
    pub validator: Option<&'static str>,
    /// Span of the context word that raised the confidence.
    pub context: Option<Range<usize>>,
    /// Reported, or why not.
    pub outcome: Outcome,
}

impl Explanation {
    /// A one-line human description, with context words quoted from `hay`.
    pub fn describe(&self, hay: &[u8]) -> String {
        let mut s = format!("{} [{}..{}]", self.detector, self.start, self.end);
        if let Some(v) = self.validator {
            s.push_str(&format!(" {v} passed"));
        }
        if let Some(c) = &self.context {
            let word = hay.get(c.clone()).map(String::from_utf8_lossy).unwrap_or_default();
            s.push_str(&format!("; context {word:?} seen"));
        }
        match &self.outcome {
            Outcome::Reported => {
                s.push_str(&format!("; confidence {:.2} (base {:.2})", self.confidence, self.base_confidence))
            }
            Outcome::Rejected(r) => s.push_str(&format!("; suppressed: {r}")),
            Outcome::Outranked { by } => s.push_str(&format!("; suppressed: overlapped by {by}")),
        }
        s
    }
}
