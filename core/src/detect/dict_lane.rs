//! The dictionary lane: the terms of custom dictionaries that share one case mode, searched
//! with one Aho-Corasick automaton and judged like custom regex matches.

use super::custom::{Dictionary, Spec, MAX_MAX_LEN};
use super::{context, is_word, DetIdx, Sink, Window};
use crate::error::{BuildError, ErrorKind};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

/// Dictionaries sharing one case mode, searched with one automaton.
#[derive(Debug)]
pub(crate) struct DictLane {
    ac: AhoCorasick,
    /// Spec index of each pattern.
    owner: Vec<usize>,
    specs: Vec<Spec>,
    pub max_len: usize,
}

impl DictLane {
    pub fn compile(defs: &[(DetIdx, &Dictionary)], case_insensitive: bool) -> Result<DictLane, BuildError> {
        let mut terms: Vec<&str> = Vec::new();
        let mut owner = Vec::new();
        let mut specs = Vec::new();
        let mut max_len = 1;
        for (k, &(det, d)) in defs.iter().enumerate() {
            if d.terms.is_empty() {
                return Err(BuildError::new(
                    ErrorKind::InvalidDictionary,
                    format!("dictionary {:?} has no terms", d.id),
                ));
            }
            for (i, t) in d.terms.iter().enumerate() {
                if t.trim().is_empty() {
                    return Err(BuildError::new(
                        ErrorKind::InvalidDictionary,
                        format!("dictionary {:?}: term {} is empty", d.id, i + 1),
                    ));
                }
                if t.len() > MAX_MAX_LEN {
                    return Err(BuildError::new(
                        ErrorKind::InvalidDictionary,
                        format!("dictionary {:?}: term {} is longer than {MAX_MAX_LEN} bytes", d.id, i + 1),
                    ));
                }
                max_len = max_len.max(t.len());
                terms.push(t);
                owner.push(k);
            }
            specs.push(Spec {
                det,
                validator: None,
                group: None,
                context: d.context.clone(),
                require_context: d.require_context,
                keywords: None,
                confidence: d.confidence,
            });
        }
        // A DFA when it fits (fastest search), otherwise whatever aho-corasick picks.
        let build = |kind| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .ascii_case_insensitive(case_insensitive)
                .kind(kind)
                .build(&terms)
        };
        let ac = build(Some(AhoCorasickKind::DFA))
            .or_else(|_| build(None))
            .map_err(|e| BuildError::new(ErrorKind::TooLarge, format!("dictionaries do not compile: {e}")))?;
        Ok(DictLane { ac, owner, specs, max_len })
    }

    pub fn reach(&self) -> usize {
        self.max_len + context::CONTEXT_WINDOW + 1
    }

    /// Processes terms from `*cursor` (absolute) in `buf`.
    pub fn run(&self, buf: &[u8], base: usize, eof: bool, cursor: &mut usize, out: &mut Sink) {
        let end = base + buf.len();
        while *cursor < end {
            let input = aho_corasick::Input::new(buf).range(*cursor - base..buf.len());
            let Some(m) = self.ac.find(input) else {
                *cursor = if eof { end } else { (end + 1).saturating_sub(self.max_len).max(*cursor) };
                return;
            };
            let s = base + m.start();
            if !eof && s + self.reach() > end {
                *cursor = s;
                return;
            }
            let (w, ws) = Window::around(buf, base, s, self.reach());
            let (rs, re) = (w.a, w.a + m.len());
            if w.left_clear(rs, is_word) && w.right_clear(re, is_word) {
                out.base = ws;
                self.specs[self.owner[m.pattern().as_usize()]].judge(&w, rs, re, out);
                *cursor = base + m.end();
            } else {
                *cursor = s + 1;
            }
        }
    }
}
