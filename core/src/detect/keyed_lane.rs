//! Custom regexes with keywords, run together: one overlapping, ASCII-case-insensitive
//! keyword pass over the text serves every such detector (an imported rule set has hundreds),
//! and each detector's regex runs only where one of its own keywords opens a window. The cost
//! grows with the keywords the text holds, not with the number of detectors.
//!
//! Each detector keeps its own cursor and its own lane logic ([`RegexLane`] with one
//! pattern); the shared pass only hands it the positions its own keyword search would have
//! found, so the findings are those of one lane per detector, split or whole.

use super::custom::CustomRegex;
use super::regex_lane::RegexLane;
use super::{context, DetIdx, Sink};
use crate::error::{BuildError, ErrorKind};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::collections::HashMap;

/// The detectors with keywords and their shared keyword automaton.
#[derive(Debug)]
pub(crate) struct KeyedLane {
    /// Every distinct keyword (lower case), matched ASCII-case-insensitively, overlapping.
    ac: AhoCorasick,
    /// For each keyword of `ac`, the detectors (indexes into `rules`) that have it.
    owners: Vec<Vec<u32>>,
    /// One single-detector lane per detector.
    rules: Vec<RegexLane>,
    /// For a detector every match of which starts with one of a few literals (perhaps after
    /// a bounded lead, see [`Starts`](super::starts::Starts)): the longest literal's length.
    /// Its hits are those literals, and its regex is confirmed at them alone. The others'
    /// hits are their keywords, around which their regexes search.
    starts: Vec<Option<usize>>,
    /// The longest keyword or literal.
    longest: usize,
}

impl KeyedLane {
    /// Compiles detectors that each have keywords, literal starts
    /// ([`Starts`](super::starts::Starts)), or both.
    pub fn compile(defs: &[(DetIdx, &CustomRegex)]) -> Result<KeyedLane, BuildError> {
        let mut index: HashMap<&[u8], usize> = HashMap::new();
        let mut words: Vec<&[u8]> = Vec::new();
        let mut owners: Vec<Vec<u32>> = Vec::new();
        let mut rules = Vec::with_capacity(defs.len());
        let mut starts = Vec::with_capacity(defs.len());
        for (r, &def) in defs.iter().enumerate() {
            let st = def.1.starts();
            rules.push(RegexLane::compile(&[def], st.is_some())?);
            starts.push(st.map(|s| s.longest));
            let lits: Vec<&[u8]> = match st {
                Some(p) => p.literals.iter().map(Vec::as_slice).collect(),
                None => def.1.keywords.iter().map(|w| w.as_bytes()).collect(),
            };
            for w in lits {
                let k = *index.entry(w).or_insert_with(|| {
                    words.push(w);
                    owners.push(Vec::new());
                    words.len() - 1
                });
                if owners[k].last() != Some(&(r as u32)) {
                    owners[k].push(r as u32);
                }
            }
        }
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&words)
            .map_err(|e| BuildError::new(ErrorKind::TooLarge, format!("keywords do not compile together: {e}")))?;
        let longest = words.iter().map(|w| w.len()).max().unwrap_or(1);
        Ok(KeyedLane { ac, owners, rules, starts, longest })
    }

    /// How many detectors (and cursors) the lane has.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Bytes after a match start the lane needs to judge it.
    pub fn reach(&self) -> usize {
        self.rules.iter().map(RegexLane::reach).max().unwrap_or(0)
    }

    /// Runs every detector from its cursor (`cursors[i]`, absolute) over `buf` (which starts at
    /// absolute `base`), after the keyword pass over what `hits` has not seen yet.
    pub fn run(&self, buf: &[u8], base: usize, eof: bool, cursors: &mut [usize], hits: &mut Hits, out: &mut Sink) {
        let end = base + buf.len();
        let Some(from) = cursors.iter().min().map(|c| c.saturating_sub(context::CONTEXT_WINDOW).max(base)) else {
            return;
        };
        if hits.by_rule.len() != self.rules.len() {
            *hits = Hits { by_rule: vec![Vec::new(); self.rules.len()], scanned: base };
        }
        // Keywords that start before `scanned` are known already (a stream's earlier steps
        // found them): the pass goes on from there, not from the cursors, so the bytes a
        // stream keeps for its slower lanes are not searched again at every chunk.
        let at = hits.scanned.max(from);
        if at < end {
            let input = aho_corasick::Input::new(buf).range(at - base..buf.len());
            let mut touched: Vec<u32> = Vec::new();
            for m in self.ac.find_overlapping_iter(input) {
                for &r in &self.owners[m.pattern().as_usize()] {
                    hits.by_rule[r as usize].push(base + m.start());
                    touched.push(r);
                }
            }
            // Overlapping matches come out by end; the lanes want them by start.
            touched.sort_unstable();
            touched.dedup();
            for r in touched {
                let h = &mut hits.by_rule[r as usize];
                h.sort_unstable();
                h.dedup();
            }
        }
        // A keyword that starts at or after `end + 1 - longest` may still be incomplete.
        hits.scanned = if eof { end } else { (end + 1).saturating_sub(self.longest).max(at) };
        for (((rule, cursor), h), starts) in
            self.rules.iter().zip(cursors.iter_mut()).zip(&mut hits.by_rule).zip(&self.starts)
        {
            // Keywords the lane can no longer reach are forgotten.
            let old = h.partition_point(|&p| p < cursor.saturating_sub(context::CONTEXT_WINDOW));
            h.drain(..old);
            // Every keyword found complete so far, including those after `scanned` (the next
            // pass finds them again; duplicates go).
            match starts {
                Some(longest) => rule.run_at_starts(buf, base, eof, cursor, out, h, *longest),
                None => rule.run(buf, base, eof, cursor, out, Some(h)),
            }
        }
    }
}

/// The keywords a keyed lane has found so far in a stream, per detector (absolute starts,
/// ascending), and where its search goes on.
#[derive(Clone, Debug, Default)]
pub(crate) struct Hits {
    by_rule: Vec<Vec<usize>>,
    scanned: usize,
}
