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

/// How one detector's candidates fared in a text: found, reported, and why the others were
/// not. Produced by [`DetectorStats::of`] from [`Scanner::explain`](crate::Scanner::explain).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DetectorStats {
    /// Detector id.
    pub detector: Arc<str>,
    /// Candidates the detector shaped (its regex matched, its anchor held a value).
    pub candidates: usize,
    /// Reported as findings.
    pub reported: usize,
    /// Failed the entropy check.
    pub entropy: usize,
    /// Failed another validator (Luhn, mod 97, …).
    pub validation: usize,
    /// Allowlisted.
    pub allowlisted: usize,
    /// No keyword (or required context word) nearby.
    pub no_keyword: usize,
    /// Placeholders and documented examples.
    pub example: usize,
    /// Overlapped by another detector's finding, or below the minimum confidence.
    pub other: usize,
}

impl DetectorStats {
    /// Per-detector counts of `explanations`, by detector id.
    ///
    /// ```
    /// use dlpjet::{DetectorStats, Scanner};
    /// let scanner = Scanner::new();
    /// let text = b"card 4111 1111 1111 1111, card 4111 1111 1111 1112";
    /// let stats = DetectorStats::of(&scanner.explain(text));
    /// let card = stats.iter().find(|s| &*s.detector == "credit_card").unwrap();
    /// assert_eq!((card.candidates, card.reported, card.validation), (2, 1, 1));
    /// ```
    pub fn of(explanations: &[Explanation]) -> Vec<DetectorStats> {
        let mut by: Vec<DetectorStats> = Vec::new();
        for e in explanations {
            let i = match by.iter().position(|s| s.detector == e.detector) {
                Some(i) => i,
                None => {
                    by.push(DetectorStats { detector: e.detector.clone(), ..DetectorStats::default() });
                    by.len() - 1
                }
            };
            let s = &mut by[i];
            s.candidates += 1;
            match &e.outcome {
                Outcome::Reported => s.reported += 1,
                Outcome::Rejected(Rejection::Validation("entropy")) => s.entropy += 1,
                Outcome::Rejected(Rejection::Validation(_)) => s.validation += 1,
                Outcome::Rejected(Rejection::Allowlisted) => s.allowlisted += 1,
                Outcome::Rejected(Rejection::MissingKeyword | Rejection::MissingContext) => s.no_keyword += 1,
                Outcome::Rejected(Rejection::Placeholder | Rejection::Example(_)) => s.example += 1,
                Outcome::Rejected(Rejection::BelowMinConfidence) | Outcome::Outranked { .. } => s.other += 1,
            }
        }
        by.sort_by(|a, b| a.detector.cmp(&b.detector));
        by
    }

    /// Adds `other`'s counts (of the same detector, from another text) to these.
    pub fn add(&mut self, other: &DetectorStats) {
        self.candidates += other.candidates;
        self.reported += other.reported;
        self.entropy += other.entropy;
        self.validation += other.validation;
        self.allowlisted += other.allowlisted;
        self.no_keyword += other.no_keyword;
        self.example += other.example;
        self.other += other.other;
    }
}
