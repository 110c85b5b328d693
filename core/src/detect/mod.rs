//! Detectors: each turns an anchor found by a prefilter lane into zero or more candidates.
//!
//! Every evaluator sees only a [`Window`] of bytes around its anchor, at most
//! [`LOOKBACK`] bytes before it and the lane's reach after it. Because
//! the window is the same whether the input arrives whole or in chunks, so are the results.

/// Bytes before an anchor that an evaluator may look at (the engine's lanes hold back as much).
pub(crate) const LOOKBACK: usize = 128;

pub(crate) mod card;
pub(crate) mod catalog;
pub(crate) mod confirm;
pub(crate) mod context;
pub(crate) mod custom;
pub(crate) mod dict_lane;
pub(crate) mod email;
pub(crate) mod examples;
pub(crate) mod generic;
pub(crate) mod iban;
pub(crate) mod ipv4;
pub(crate) mod ipv6;
pub(crate) mod keyed_lane;
pub(crate) mod numbering_plan;
pub(crate) mod phone;
pub(crate) mod private_key;
pub(crate) mod provider_keys;
pub(crate) mod regex_lane;
pub(crate) mod ssn;
pub(crate) mod starts;
pub(crate) mod tokens;
pub(crate) mod units;

use crate::explain::Rejection;
use catalog::Builtin;

/// Internal detector number: built-ins first (their [`Builtin::index`]), then custom detectors.
pub(crate) type DetIdx = u16;

/// The bytes an evaluator may look at.
#[derive(Debug)]
pub(crate) struct Window<'h> {
    /// The window's bytes.
    pub hay: &'h [u8],
    /// Index of the anchor in `hay`.
    pub a: usize,
    /// True when `hay` ends at the lane's reach rather than at the end of the data, so the end of
    /// `hay` is not a boundary.
    pub truncated: bool,
}

impl<'h> Window<'h> {
    /// The window of an anchor at absolute offset `a` in `buf` (which starts at absolute
    /// `base`): `LOOKBACK` bytes before it and `reach` after, clipped to the data. Returns the
    /// window and the absolute offset of its first byte.
    #[inline]
    pub fn around(buf: &'h [u8], base: usize, a: usize, reach: usize) -> (Window<'h>, usize) {
        let end = base + buf.len();
        let ws = a.saturating_sub(LOOKBACK);
        debug_assert!(ws >= base, "lookback window left the retained buffer");
        let we = (a + reach).min(end);
        (Window { hay: &buf[ws - base..we - base], a: a - ws, truncated: we == a + reach }, ws)
    }

    /// The byte at `i`, if the window has it.
    #[inline]
    pub fn at(&self, i: usize) -> Option<u8> {
        self.hay.get(i).copied()
    }

    /// Whether `i` (an end position) is followed by a byte outside `class` or by the real end.
    #[inline]
    pub fn right_clear(&self, i: usize, class: fn(u8) -> bool) -> bool {
        match self.hay.get(i) {
            Some(&b) => !class(b),
            None => !self.truncated,
        }
    }

    /// Whether the byte before `i` is absent or outside `class`.
    #[inline]
    pub fn left_clear(&self, i: usize, class: fn(u8) -> bool) -> bool {
        i == 0 || !class(self.hay[i - 1]) || escaped_control_before(self.hay, i)
    }

    /// Whether `i` is the end of the window because the window was cut short.
    #[inline]
    pub fn cut_at(&self, i: usize) -> bool {
        i >= self.hay.len() && self.truncated
    }
}

/// Why a finding was reported at the confidence it has.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Why {
    /// The validator that passed, if any.
    pub validator: Option<&'static str>,
    /// Absolute span of the context word that was seen, if any.
    pub context: Option<(usize, usize)>,
    /// Confidence before the context boost.
    pub base: f32,
}

/// A candidate finding, with absolute offsets.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Candidate {
    pub det: DetIdx,
    pub start: usize,
    pub end: usize,
    pub confidence: f32,
    pub why: Why,
}

/// A candidate an evaluator shaped but then rejected, kept only when explaining.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Rejected {
    pub det: DetIdx,
    pub start: usize,
    pub end: usize,
    pub reason: Rejection,
}

/// The filters every candidate passes after its detector: the confidence floor and allowlists.
#[derive(Debug)]
pub(crate) struct Gate {
    pub allow: Vec<custom::AllowSet>,
    pub min_confidence: f32,
    /// Built-in detectors whose documented examples and filler are dropped, by index.
    pub examples: u32,
}

impl Gate {
    /// Why `value` found by `det` must be dropped, if it must.
    #[inline]
    fn check(&self, det: DetIdx, value: &[u8], confidence: f32) -> Option<Rejection> {
        if confidence < self.min_confidence {
            return Some(Rejection::BelowMinConfidence);
        }
        if self.allow.iter().any(|a| a.allows(det, value)) {
            return Some(Rejection::Allowlisted);
        }
        if det < 32 && self.examples & (1 << det) != 0 {
            if let Some(rule) = examples::rule(value) {
                return Some(Rejection::Example(rule));
            }
        }
        None
    }
}

/// Where evaluators put what they find.
pub(crate) struct Sink<'a> {
    /// Absolute offset of the current window's first byte.
    pub base: usize,
    pub cands: &'a mut Vec<Candidate>,
    /// Present only when the caller asked for explanations.
    pub rejected: Option<&'a mut Vec<Rejected>>,
    pub gate: &'a Gate,
    /// Built-in detectors that are switched on, by index.
    pub enabled: u32,
}

impl Sink<'_> {
    #[inline]
    pub fn on(&self, b: Builtin) -> bool {
        self.enabled & (1 << b.index()) != 0
    }

    /// Reports a candidate `[s, e)` of the window `w` (window-relative offsets).
    #[inline]
    pub fn found(&mut self, w: &Window, det: DetIdx, s: usize, e: usize, confidence: f32, why: Why) {
        debug_assert!(s < e && e <= w.hay.len(), "span {s}..{e} outside window of {}", w.hay.len());
        let confidence = confidence.clamp(0.0, 1.0);
        if let Some(reason) = self.gate.check(det, &w.hay[s..e], confidence) {
            self.reject(det, s, e, reason);
            return;
        }
        let base = self.base;
        self.cands.push(Candidate { det, start: base + s, end: base + e, confidence, why });
    }

    /// Records a rejected candidate when explaining (window-relative offsets).
    #[inline]
    pub fn reject(&mut self, det: DetIdx, s: usize, e: usize, reason: Rejection) {
        if let Some(r) = self.rejected.as_deref_mut() {
            r.push(Rejected { det, start: self.base + s, end: self.base + e, reason });
        }
    }

    /// Absolute span of a window-relative context hit.
    #[inline]
    pub fn abs(&self, span: Option<(usize, usize)>) -> Option<(usize, usize)> {
        span.map(|(s, e)| (self.base + s, self.base + e))
    }
}

/// ASCII letters, digits and underscore: the bytes that make a word.
#[inline]
pub(crate) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether the bytes before `i` end with an escaped control character of a JSON or JavaScript
/// string (`\n`, `\t`, `\r`, `\f`, `\b`, behind any number of backslashes): its letter is
/// not part of what follows, so `"card:\n4111…"` has a card after the line break.
#[inline]
pub(crate) fn escaped_control_before(hay: &[u8], i: usize) -> bool {
    i >= 2 && hay[i - 2] == b'\\' && matches!(hay[i - 1], b'n' | b't' | b'r' | b'f' | b'b')
}

/// Word bytes plus `-`, the alphabet of most vendor tokens.
#[inline]
pub(crate) fn is_token(b: u8) -> bool {
    is_word(b) || b == b'-'
}

/// Length of the run of bytes in `class` starting at `i`, looking at most `max` bytes.
#[inline]
pub(crate) fn run_len(hay: &[u8], i: usize, max: usize, class: impl Fn(u8) -> bool) -> usize {
    let end = hay.len().min(i.saturating_add(max));
    hay.get(i..end).map_or(0, |s| s.iter().position(|&b| !class(b)).unwrap_or(s.len()))
}
