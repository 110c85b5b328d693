//! All custom regexes of a scanner without keywords, searched together; and the lane logic
//! each custom regex with keywords runs (see [`KeyedLane`](super::keyed_lane::KeyedLane)).

use super::confirm::Confirm;
use super::custom::{compile_many, CustomRegex, Keywords, Spec};
use super::{context, DetIdx, Sink, Window};
use crate::error::{BuildError, ErrorKind};
use regex_automata::meta::Regex;
use regex_automata::util::captures::Captures;
use regex_automata::{Anchored, Input};
use std::sync::Arc;

/// All custom regexes, searched together; or one, confirmed at given starts.
#[derive(Debug)]
pub(crate) struct RegexLane {
    /// Unanchored search over every pattern at once: finds where a match may start. `None`
    /// for a lane that only confirms at starts.
    any: Option<Regex>,
    /// For a lane of one detector confirmed at its literal starts: the pattern (after its
    /// lead) compiled for anchored matches.
    confirm: Option<Arc<Confirm>>,
    specs: Vec<Spec>,
    /// Longest match of any pattern.
    pub max_len: usize,
}

impl RegexLane {
    /// Compiles the lane of `defs`. With `at_starts`, a lane of one detector that a keyword
    /// lane confirms at its literals ([`run_at_starts`](Self::run_at_starts)): its regex is
    /// then the pattern after the lead, if there is one.
    pub fn compile(defs: &[(DetIdx, &CustomRegex)], at_starts: bool) -> Result<RegexLane, BuildError> {
        let mut specs = Vec::new();
        let mut max_len = 1;
        let mut single = None;
        let mut confirm = None;
        for &(det, d) in defs {
            d.check()?;
            if defs.len() == 1 {
                match d.confirm().filter(|_| at_starts) {
                    Some(c) => confirm = Some(c),
                    None => single = Some(d.full_regex()?),
                }
            }
            max_len = max_len.max(d.max_len);
            specs.push(Spec {
                det,
                validator: d.validator,
                group: d.group,
                context: d.context.clone(),
                require_context: d.require_context,
                keywords: Keywords::compile(&d.keywords)?,
                confidence: d.confidence,
            });
        }
        let patterns: Vec<&str> = defs.iter().map(|(_, d)| d.pattern.as_str()).collect();
        // A lane of one detector searches with the regex its check compiled, or confirms.
        let any = match (single, &confirm) {
            (Some(one), _) => Some(one),
            (None, Some(_)) => None,
            (None, None) => Some(compile_many(&patterns).map_err(|e| {
                BuildError::new(ErrorKind::TooLarge, format!("custom regexes do not compile together: {}", e))
            })?),
        };
        Ok(RegexLane { any, confirm, specs, max_len })
    }

    /// Bytes after a match start the lane needs to judge it.
    pub fn reach(&self) -> usize {
        self.max_len + context::CONTEXT_WINDOW + 1
    }

    /// Processes matches from `*cursor` (absolute) in `buf` (which starts at absolute `base`).
    ///
    /// At each step the lane looks for the leftmost position `s >= cursor` where some pattern
    /// has an anchored match no longer than `max_len`, searching a window of `2 * max_len`
    /// bytes so that the outcome never depends on where the data was split.
    ///
    /// `hits`, for a lane of one detector with keywords, are the absolute starts (ascending)
    /// of its keywords in `buf` from `*cursor - CONTEXT_WINDOW` on, found by a shared keyword
    /// pass ([`KeyedLane`](super::keyed_lane::KeyedLane)); without them (a lane of regexes
    /// without keywords) the search skips nothing.
    pub fn run(&self, buf: &[u8], base: usize, eof: bool, cursor: &mut usize, out: &mut Sink, hits: Option<&[usize]>) {
        let l = self.max_len;
        let end = base + buf.len();
        let Some(any) = &self.any else {
            debug_assert!(false, "a lane that only confirms at starts was searched");
            return;
        };
        // Made at the first match to judge: most calls in a stream have none.
        let mut caps = None;
        while *cursor < end {
            if !self.skip_to_keyword(buf, base, eof, cursor, hits) {
                return;
            }
            let c = *cursor;
            if c >= end {
                return;
            }
            let x = (c + 2 * l).min(end);
            if !eof && c + 2 * l > end {
                return;
            }
            let input = Input::new(buf).range(c - base..x - base);
            let Some(m) = any.search(&input) else {
                *cursor = if x == end && eof { end } else { x - l };
                continue;
            };
            let (s, m_end) = (base + m.start(), base + m.end());
            if s + l > x && !(x == end && eof) {
                *cursor = (x - l).max(c + 1);
                continue;
            }
            // A keyword lane that waits at `s` below skips to its keywords again from `s` when
            // more data comes; skipping from `s` now, before judging, makes the scan of the
            // whole the same as that of any split. A match the skip passes has no keyword near.
            if s > c {
                let mut at = s;
                if !self.skip_to_keyword(buf, base, eof, &mut at, hits) {
                    *cursor = at;
                    return;
                }
                if at > s {
                    *cursor = at;
                    continue;
                }
            }
            if !eof && s + self.reach() > end {
                *cursor = s;
                return;
            }
            let caps = caps.get_or_insert_with(|| any.create_captures());
            let Some(next) = self.confirm_at(any, buf, base, s, caps, out) else {
                // The match at `s` is longer than `max_len`: none is reported there, and the
                // search goes on `max_len` bytes before its end, not one byte further (one
                // step per byte made a policy's scan quadratic in `max_len`).
                *cursor = m_end.saturating_sub(l).max(s + 1);
                continue;
            };
            *cursor = next;
        }
    }
}

impl RegexLane {
    /// For a lane of one detector with keywords, given their positions `hits`, moves `*cursor`
    /// to the first position where
    /// a match could still have a keyword within [`CONTEXT_WINDOW`](context::CONTEXT_WINDOW)
    /// of it: `max_len + CONTEXT_WINDOW` before the next keyword. The move depends only on
    /// the data, never on how it was split. Returns false when the lane must wait for more data.
    fn skip_to_keyword(&self, buf: &[u8], base: usize, eof: bool, cursor: &mut usize, hits: Option<&[usize]>) -> bool {
        // Only a keyed lane's detectors have keywords, and it always hands their positions in.
        let (Some(h), [Spec { keywords: Some(Keywords { longest, .. }), .. }]) = (hits, &self.specs[..]) else {
            return true;
        };
        let end = base + buf.len();
        let back = self.max_len + context::CONTEXT_WINDOW;
        let from = cursor.saturating_sub(context::CONTEXT_WINDOW).max(base);
        // A keyword that starts before `safe` is complete in `buf` if it is there at all.
        let safe = if eof { end } else { (end + 1).saturating_sub(*longest) };
        match h.get(h.partition_point(|&p| p < from)).copied() {
            Some(at) if at < safe => {
                *cursor = (*cursor).max(at.saturating_sub(back));
                true
            }
            _ => {
                *cursor = (*cursor).max(if eof { end } else { safe.saturating_sub(back) });
                false
            }
        }
    }
}

impl RegexLane {
    /// Confirms a match of `any` starting at absolute `s` (anchored, at most `max_len` bytes;
    /// the window `[s - LOOKBACK, s + reach)` must be in `buf` unless the data has ended),
    /// judges it, and returns where the search goes on; `None` when no match of `max_len`
    /// bytes or fewer starts there.
    fn confirm_at(
        &self,
        any: &Regex,
        buf: &[u8],
        base: usize,
        s: usize,
        caps: &mut Captures,
        out: &mut Sink,
    ) -> Option<usize> {
        let (w, ws) = Window::around(buf, base, s, self.reach());
        let rel = w.a;
        let span_end = (rel + self.max_len).min(w.hay.len());
        let input = Input::new(w.hay).range(rel..span_end).anchored(Anchored::Yes);
        any.search_captures(&input, caps);
        caps.is_match().then(|| self.report(&w, ws, s, caps, out))?
    }

    /// Judges the match in `caps` (of the window `w` at absolute `ws`, starting at `s`) and
    /// returns where the search goes on.
    fn report(&self, w: &Window, ws: usize, s: usize, caps: &Captures, out: &mut Sink) -> Option<usize> {
        let spec = &self.specs[caps.pattern()?.as_usize()];
        let full = caps.get_match()?;
        let (ms, me) = match spec.group.and_then(|g| caps.get_group(g)) {
            Some(sp) => (sp.start, sp.end),
            None => (full.start(), full.end()),
        };
        out.base = ws;
        if me > ms {
            spec.judge(w, ms, me, out);
        }
        Some((ws + full.end()).max(s + 1))
    }

    /// For a lane of one detector every match of which starts with one of a few literals
    /// (perhaps after a lead, see [`Starts`](super::starts::Starts)): confirms a match at each
    /// literal of `hits` (their absolute positions in `buf`, ascending) from `*cursor` on, and
    /// nowhere else: the leftmost match from the cursor is at one of them. A literal that
    /// starts before `end + 1 - longest` (the longest literal's length) is complete in `buf`
    /// if it is there at all.
    #[allow(clippy::too_many_arguments)]
    pub fn run_at_starts(
        &self,
        buf: &[u8],
        base: usize,
        eof: bool,
        cursor: &mut usize,
        out: &mut Sink,
        hits: &[usize],
        longest: usize,
    ) {
        let end = base + buf.len();
        let Some(confirm) = &self.confirm else {
            debug_assert!(false, "a lane without literal starts was run at starts");
            return;
        };
        let mut i = hits.partition_point(|&p| p < *cursor);
        while let Some(&s) = hits.get(i) {
            if !eof && s + self.reach() > end {
                *cursor = s;
                return;
            }
            let (w, ws) = Window::around(buf, base, s, self.reach());
            let input = Input::new(w.hay).range(w.a..(w.a + self.max_len).min(w.hay.len()));
            match confirm.at(input, |caps| self.report(&w, ws, s, caps, out)).flatten() {
                Some(next) => {
                    *cursor = next;
                    i = hits.partition_point(|&p| p < next);
                }
                None => i += 1,
            }
        }
        *cursor = (*cursor).max(if eof { end } else { (end + 1).saturating_sub(longest) });
    }
}
