//! The secrets the gateway lends a request (the provider key it puts on the upstream call),
//! removed from everything the caller gets back, whatever the policy says.
//!
//! An upstream that echoes its key — in an answer, an error body, a streamed delta — must not
//! hand it to the caller, even under a policy that allows everything and even when no detector
//! knows the key's format. Matching is exact, on the decoded text of every string and on the
//! raw bytes of every body and event; in a stream each text keeps back only a tail that could
//! still be the start of a secret, so a secret split across deltas is caught too.

use std::sync::Arc;
use zeroize::Zeroizing;

/// What a lent secret is replaced by.
pub const REPLACEMENT: &[u8] = b"[REDACTED:provider_key]";

/// The detector name findings of lent secrets are counted under (audit records, metrics).
pub const DETECTOR: &str = "provider_key";

/// Secrets shorter than this are not scrubbed: a few bytes would match ordinary text.
pub const MIN_SECRET: usize = 8;

/// The secrets lent to one request.
#[derive(Clone, Debug, Default)]
pub struct Secrets {
    values: Arc<Vec<Zeroizing<Vec<u8>>>>,
    longest: usize,
}

impl Secrets {
    /// Adds `secret` (ignored when shorter than [`MIN_SECRET`] or already known).
    pub fn add(&mut self, secret: &[u8]) {
        if secret.len() < MIN_SECRET || self.values.iter().any(|v| v.as_slice() == secret) {
            return;
        }
        self.longest = self.longest.max(secret.len());
        Arc::make_mut(&mut self.values).push(Zeroizing::new(secret.to_vec()));
    }

    /// Whether no secret was lent.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `text` with every lent secret replaced, and how many were; `None` when it holds none.
    pub fn scrub(&self, text: &[u8]) -> Option<(Vec<u8>, usize)> {
        if self.is_empty() || !self.values.iter().any(|s| memchr::memmem::find(text, s).is_some()) {
            return None;
        }
        let mut out = Vec::with_capacity(text.len());
        let (_, n) = self.scrub_into(text, true, &mut out);
        Some((out, n))
    }

    /// Appends `text` with secrets replaced to `out`; returns how much of `text` was consumed
    /// (all of it when `last`, else all but a tail that may be the start of a secret) and how
    /// many secrets were replaced.
    fn scrub_into(&self, text: &[u8], last: bool, out: &mut Vec<u8>) -> (usize, usize) {
        let (mut at, mut n) = (0, 0);
        loop {
            let next = self
                .values
                .iter()
                .filter_map(|s| memchr::memmem::find(&text[at..], s).map(|i| (at + i, s.len())))
                .min_by_key(|&(i, len)| (i, usize::MAX - len));
            match next {
                Some((i, len)) => {
                    out.extend_from_slice(&text[at..i]);
                    out.extend_from_slice(REPLACEMENT);
                    at = i + len;
                    n += 1;
                }
                None => break,
            }
        }
        let keep = if last { 0 } else { self.partial_tail(&text[at..]) };
        out.extend_from_slice(&text[at..text.len() - keep]);
        (text.len() - keep, n)
    }

    /// The length of the longest tail of `text` that is a proper prefix of a secret.
    fn partial_tail(&self, text: &[u8]) -> usize {
        let max = text.len().min(self.longest.saturating_sub(1));
        (1..=max)
            .rev()
            .find(|&k| {
                let tail = &text[text.len() - k..];
                self.values.iter().any(|s| s.len() > k && s.starts_with(tail))
            })
            .unwrap_or(0)
    }
}

/// Scrubs one streamed text, holding back only a tail that a later piece may complete into a
/// secret.
#[derive(Debug)]
pub struct Scrubber {
    secrets: Secrets,
    held: Vec<u8>,
    /// Secrets replaced so far.
    pub found: usize,
}

impl Scrubber {
    /// A scrubber for the secrets lent to one request.
    pub fn new(secrets: Secrets) -> Scrubber {
        Scrubber { secrets, held: Vec::new(), found: 0 }
    }

    /// Takes the next piece of text and appends what is settled to `out`.
    pub fn push(&mut self, text: &[u8], out: &mut Vec<u8>) {
        self.held.extend_from_slice(text);
        let (used, n) = self.secrets.scrub_into(&self.held, false, out);
        self.found += n;
        self.held.drain(..used);
    }

    /// The text ended: appends what is still held back.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        let held = std::mem::take(&mut self.held);
        let (_, n) = self.secrets.scrub_into(&held, true, out);
        self.found += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KEY: &str = "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";

    fn secrets() -> Secrets {
        let mut s = Secrets::default();
        s.add(KEY.as_bytes());
        s.add(b"short");
        s
    }

    #[test]
    fn whole_text() {
        let text = format!("the key is {KEY}, again:{KEY}");
        let (out, n) = secrets().scrub(text.as_bytes()).unwrap();
        assert_eq!(n, 2);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "the key is [REDACTED:provider_key], again:[REDACTED:provider_key]"
        );
        assert!(secrets().scrub(b"nothing here, short").is_none(), "secrets under 8 bytes are not kept");
        assert!(Secrets::default().scrub(KEY.as_bytes()).is_none());
    }

    #[test]
    fn a_prefix_at_the_end_is_held_until_settled() {
        let mut s = Scrubber::new(secrets());
        let mut out = Vec::new();
        s.push(b"abc sk-ant-api", &mut out);
        assert_eq!(out, b"abc ");
        s.push(b"03-nope", &mut out);
        s.finish(&mut out);
        assert_eq!(out, b"abc sk-ant-api03-nope");
        assert_eq!(s.found, 0);
    }

    proptest! {
        /// However the text is split, the stream gives what the whole text gives, and no piece
        /// of output holds the secret.
        #[test]
        fn any_split_matches_the_whole(
            pre in "[a-z -]{0,20}", post in "[a-z -]{0,20}", cuts in proptest::collection::vec(0usize..200, 0..8)
        ) {
            let text = format!("{pre}{KEY}{post}{KEY}sk-ant");
            let whole = secrets().scrub(text.as_bytes()).unwrap().0;
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (text.len() + 1)).collect();
            cuts.sort();
            let mut s = Scrubber::new(secrets());
            let (mut out, mut last) = (Vec::new(), 0);
            for c in cuts.into_iter().chain([text.len()]) {
                s.push(&text.as_bytes()[last..c], &mut out);
                prop_assert!(memchr::memmem::find(&out, KEY.as_bytes()).is_none());
                last = c;
            }
            s.finish(&mut out);
            prop_assert_eq!(out, whole);
            prop_assert_eq!(s.found, 2);
        }
    }
}
