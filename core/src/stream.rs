//! Streaming scans: findings in data that arrives in chunks.
//!
//! A [`StreamScanner`] keeps only a bounded tail of the stream: the bytes a pending anchor's
//! window still needs, and the bytes of candidates not yet decided. The bound is
//! [`Scanner::max_holdback`] and depends on the detectors, never on the input. Bytes before
//! the *frontier* can no longer be part of any finding; the scanner hands them out as
//! [`Event::Bytes`], interleaved in order with [`Event::Finding`], which is what the streaming
//! redactor writes.

use crate::detect::{Candidate, Sink};
use crate::engine::resolve::{beaten_by, sort_dedup};
use crate::engine::Cursors;
use crate::finding::Finding;
use crate::scanner::Scanner;
use std::collections::VecDeque;

/// A piece of the stream, in order: plain bytes that are final, or a finding and its bytes.
#[derive(Debug)]
pub enum Event<'a> {
    /// Bytes that are not part of any finding and never will be.
    Bytes(&'a [u8]),
    /// A finding and the matched bytes.
    Finding(&'a Finding, &'a [u8]),
}

/// Scans a stream pushed in chunks of any size, reporting findings with absolute offsets,
/// including findings that straddle chunk boundaries. The findings are exactly those of a
/// one-shot [`Scanner::scan`] of the concatenated stream.
///
/// ```
/// let scanner = dlpjet::Scanner::new();
/// let mut stream = scanner.stream();
/// let mut found = stream.push(b"call me at +1 212 ");
/// found.extend(stream.push(b"555 0147 or mail a@b.io"));
/// found.extend(stream.finish());
/// let ids: Vec<&str> = found.iter().map(|f| &*f.detector).collect();
/// assert_eq!(ids, ["phone", "email"]);
/// assert_eq!((found[0].start, found[0].end), (11, 26));
/// ```
#[derive(Debug)]
pub struct StreamScanner {
    scanner: Scanner,
    buf: Vec<u8>,
    /// Absolute offset of `buf[0]`.
    base: usize,
    cur: Cursors,
    pending: Vec<Candidate>,
    beaten: Vec<Option<u32>>,
    ready: VecDeque<Finding>,
    frontier: usize,
    /// Everything before this absolute offset has been handed out as events.
    emitted: usize,
    /// `finish_events` has run: the stream is over.
    finished: bool,
}

impl Scanner {
    /// A streaming scanner over this scanner's detectors.
    pub fn stream(&self) -> StreamScanner {
        StreamScanner::new(self.clone())
    }
}

impl StreamScanner {
    fn new(scanner: Scanner) -> StreamScanner {
        StreamScanner {
            scanner,
            buf: Vec::new(),
            base: 0,
            cur: Cursors::default(),
            pending: Vec::new(),
            beaten: Vec::new(),
            ready: VecDeque::new(),
            frontier: 0,
            emitted: 0,
            finished: false,
        }
    }

    /// Pushes the next chunk and returns the findings it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Finding> {
        let mut out = Vec::new();
        self.push_events(chunk, |e| {
            if let Event::Finding(f, _) = e {
                out.push(f.clone());
            }
        });
        out
    }

    /// Ends the stream and returns the remaining findings.
    pub fn finish(mut self) -> Vec<Finding> {
        let mut out = Vec::new();
        self.finish_events(|e| {
            if let Event::Finding(f, _) = e {
                out.push(f.clone());
            }
        });
        out
    }

    /// Pushes the next chunk, handing every byte that became final to `f` as events.
    /// Once the stream has been finished, further chunks are ignored.
    pub fn push_events(&mut self, chunk: &[u8], mut f: impl FnMut(Event<'_>)) {
        if self.finished {
            return;
        }
        self.buf.extend_from_slice(chunk);
        self.step(false, &mut f);
    }

    /// Ends the stream, handing the rest of it to `f` as events. Calling it again does nothing.
    pub fn finish_events(&mut self, mut f: impl FnMut(Event<'_>)) {
        if self.finished {
            return;
        }
        self.step(true, &mut f);
        self.finished = true;
    }

    /// Total bytes pushed so far.
    pub fn offset(&self) -> usize {
        self.base + self.buf.len()
    }

    /// Bytes pushed but not yet handed out as events (the current holdback).
    pub fn held_back(&self) -> usize {
        self.offset() - self.emitted
    }

    /// Bytes currently buffered (held back plus what lanes may still look back at).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    fn step(&mut self, eof: bool, f: &mut dyn FnMut(Event<'_>)) {
        let inner = &*self.scanner.inner;
        let end = self.offset();
        let mut sink = Sink {
            base: self.base,
            cands: &mut self.pending,
            rejected: None,
            gate: &inner.filter,
            enabled: inner.engine.enabled,
        };
        inner.engine.run(&self.buf, self.base, eof, &mut self.cur, &mut sink);
        let frontier = if eof { usize::MAX } else { inner.engine.frontier(&self.cur).max(self.frontier) };
        sort_dedup(&mut self.pending);
        beaten_by(&self.pending, &inner.ranks, &mut self.beaten);
        // Candidates whose end passed the frontier in this step are decided now: every
        // candidate that overlaps them is already known.
        let last = self.frontier;
        let mut undecided_start = usize::MAX;
        for (c, b) in self.pending.iter().zip(&self.beaten) {
            if c.end > last && c.end <= frontier && b.is_none() {
                self.ready.push_back(self.scanner.finding(c));
            }
            if c.end > frontier {
                undecided_start = undecided_start.min(c.start);
            }
        }
        // Decided candidates are kept only while an undecided one may overlap them.
        self.pending.retain(|c| c.end > frontier || c.end > undecided_start);
        self.frontier = frontier;
        let limit = frontier.min(undecided_start).min(end);
        let base = self.base;
        while let Some(fd) = self.ready.front() {
            if fd.end > limit {
                break;
            }
            if fd.start > self.emitted {
                f(Event::Bytes(&self.buf[self.emitted - base..fd.start - base]));
            }
            f(Event::Finding(fd, &self.buf[fd.start - base..fd.end - base]));
            self.emitted = fd.end;
            self.ready.pop_front();
        }
        let plain_to = self.ready.front().map_or(limit, |fd| fd.start.min(limit));
        if plain_to > self.emitted {
            f(Event::Bytes(&self.buf[self.emitted - base..plain_to - base]));
            self.emitted = plain_to;
        }
        // Forget bytes nobody can need again.
        let keep = inner.engine.retain_from(&self.cur).min(self.emitted).min(undecided_start).max(self.base);
        let drop = keep - self.base;
        if drop > 0 && (drop >= 8192 || drop * 2 >= self.buf.len()) {
            self.buf.drain(..drop);
            self.base = keep;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Scanner;

    /// The hold-back is the minimal tail: numbers that no digit detector can take are settled
    /// as soon as the character after them arrives, and only the last word can still become an
    /// e-mail address or a literal's start (what a streamed answer's reader waits for).
    #[test]
    fn prose_numbers_are_not_held_back() {
        let scanner = Scanner::new();
        let mut s = scanner.stream();
        s.push(b"Step 1 of word0 and word1 in 2024, then ");
        assert_eq!(s.held_back(), 0);
        // Nor words glued to digits before a space: no escape still to come can join them to a
        // value (the decoding lanes' frontier).
        s.push(b"word0 word1 word2 word3 ");
        assert_eq!(s.held_back(), 0);
        // Nor words with two digits (no IBAN starts inside a word), nor ten-digit numbers with
        // no phone word before them.
        s.push(b"word10 word11 at 1733472000, order 2125550147 shipped ");
        assert_eq!(s.held_back(), 0);
        // The start of a URL may be the start of a Slack webhook.
        s.push(b"see https:/");
        assert_eq!(s.held_back(), "https:/".len());
        // A number that may still become a phone number waits for its window.
        s.push(b"call 555 0147 and then a few more words");
        assert_eq!(s.held_back(), "555 0147 and then a few more words".len());
        // So does a word that may be an e-mail address's local part, only that word.
        let mut s = scanner.stream();
        s.push(b"write to jane.doe");
        assert!((8..=16).contains(&s.held_back()), "held back {}", s.held_back());
        // A digit at the very end of what has arrived waits for the next character.
        let mut s = scanner.stream();
        s.push(b"word0");
        assert!(s.held_back() >= 1);
    }

    /// A colon starts an IPv6 candidate only as far as the run of address characters around
    /// it: once a character that cannot be in an address follows, the text after `Note:` or
    /// `10:30` is settled (it used to wait for the colon lane's whole window, ~92 bytes, so a
    /// short streamed answer arrived all at once at its end).
    #[test]
    fn text_after_a_colon_is_not_held_for_an_address() {
        let scanner = Scanner::new();
        for text in ["Note: the meeting moved", "Summary: done and dusted", "https: plain", "at 10:30 we met"] {
            let mut s = scanner.stream();
            s.push(text.as_bytes());
            let tail = text.rsplit(' ').next().unwrap().len();
            assert!(s.held_back() <= tail, "{text:?}: held back {}", s.held_back());
        }
        // An address that is still arriving is held, and found whole.
        let mut s = scanner.stream();
        let mut found = s.push(b"host fe80::1ff:fe23:");
        assert!(s.held_back() >= "fe80::1ff:fe23:".len(), "held back {}", s.held_back());
        found.extend(s.push(b"4567:890a is up"));
        found.extend(s.finish());
        assert_eq!(found.iter().filter(|f| &*f.detector == "ipv6").count(), 1, "{found:?}");
    }
}
