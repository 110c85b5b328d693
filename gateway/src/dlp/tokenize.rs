//! Tokenize and restore: the values a request's `tokenize` findings stood for, and putting them
//! back where the provider's answer repeats a token — in whole answers and across the deltas
//! of a stream.
//!
//! A token is `[LABEL:` + 16 letters `a`–`p` + `]` (the tenant's keyed pseudonym of the value).
//! The mapping lives in memory for one request and is wiped when the request ends; only tokens
//! written into this request are restored, so a caller cannot fish for other values by
//! sending token-shaped text.

use std::collections::HashMap;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The tokens written into one request and the values they replace.
#[derive(Clone, Debug, Default)]
pub struct Tokens {
    map: HashMap<Vec<u8>, Zeroizing<Vec<u8>>>,
    /// The longest token, in bytes: how much text after a `[` can still become one.
    longest: usize,
}

impl Tokens {
    /// Records that `token` replaced `value`.
    pub fn insert(&mut self, token: Vec<u8>, value: &[u8]) {
        self.longest = self.longest.max(token.len());
        self.map.insert(token, Zeroizing::new(value.to_vec()));
    }

    /// Whether no token was written.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// How many distinct tokens were written.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// `text` with every known token replaced by its value, or `None` when it has none.
    pub fn restore(&self, text: &[u8]) -> Option<Vec<u8>> {
        if self.is_empty() || memchr::memchr(b'[', text).is_none() {
            return None;
        }
        let mut out = Vec::with_capacity(text.len());
        let n = self.restore_into(text, true, &mut out);
        debug_assert_eq!(n, text.len());
        (out != text).then_some(out)
    }

    /// Like [`restore`](Self::restore) for `text` that is a JSON string literal (quotes
    /// included): each value is written JSON-escaped, so the literal stays valid.
    pub fn restore_json(&self, text: &[u8]) -> Option<Vec<u8>> {
        if self.is_empty() || memchr::memchr(b'[', text).is_none() {
            return None;
        }
        let mut out = Vec::with_capacity(text.len());
        let mut at = 0;
        while let Some(i) = memchr::memchr(b'[', &text[at..]).map(|i| at + i) {
            out.extend_from_slice(&text[at..i]);
            let window = &text[i..text.len().min(i + self.longest)];
            match memchr::memchr(b']', window).and_then(|j| self.map.get(&window[..=j]).map(|v| (j, v))) {
                Some((j, v)) => {
                    let quoted = crate::dlp::json::quote(&String::from_utf8_lossy(v));
                    out.extend_from_slice(&quoted[1..quoted.len() - 1]);
                    at = i + j + 1;
                }
                None => {
                    out.push(b'[');
                    at = i + 1;
                }
            }
        }
        out.extend_from_slice(&text[at..]);
        (out != text).then_some(out)
    }

    /// Appends `text` with known tokens replaced to `out`, and returns how much of `text` was
    /// consumed: all of it when `last`, else everything before a `[` that could still be the
    /// start of a token the next text completes.
    fn restore_into(&self, text: &[u8], last: bool, out: &mut Vec<u8>) -> usize {
        let mut at = 0;
        while let Some(i) = memchr::memchr(b'[', &text[at..]).map(|i| at + i) {
            out.extend_from_slice(&text[at..i]);
            let window = &text[i..text.len().min(i + self.longest)];
            match memchr::memchr(b']', window) {
                Some(j) => match self.map.get(&window[..=j]) {
                    Some(v) => {
                        out.extend_from_slice(v);
                        at = i + j + 1;
                    }
                    None => {
                        out.push(b'[');
                        at = i + 1;
                    }
                },
                None if !last && window.len() < self.longest && could_be_token(window) => return i,
                None => {
                    out.push(b'[');
                    at = i + 1;
                }
            }
        }
        out.extend_from_slice(&text[at..]);
        text.len()
    }
}

/// Whether `s` (starting with `[`, no `]`) can still grow into `[LABEL:abcdefghijklmnop]`.
fn could_be_token(s: &[u8]) -> bool {
    let body = &s[1..];
    match memchr::memchr(b':', body) {
        None => body.iter().all(|b| !b.is_ascii_whitespace() && *b != b'['),
        Some(c) => body[c + 1..].iter().all(|b| (b'a'..=b'p').contains(b)) && body.len() - c - 1 <= 16,
    }
}

/// Restores tokens in one streamed text, holding back only a `[…` that a later delta may
/// complete into a token.
#[derive(Debug)]
pub struct Restorer {
    tokens: Arc<Tokens>,
    held: Vec<u8>,
}

impl Restorer {
    /// A restorer for the tokens of one request.
    pub fn new(tokens: Arc<Tokens>) -> Restorer {
        Restorer { tokens, held: Vec::new() }
    }

    /// Takes the next piece of text and appends what is settled to `out`.
    pub fn push(&mut self, text: &[u8], out: &mut Vec<u8>) {
        if self.held.is_empty() && memchr::memchr(b'[', text).is_none() {
            out.extend_from_slice(text);
            return;
        }
        self.held.extend_from_slice(text);
        let n = self.tokens.restore_into(&self.held, false, out);
        self.held.drain(..n);
    }

    /// The text ended: appends what is still held back.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        let held = std::mem::take(&mut self.held);
        self.tokens.restore_into(&held, true, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_restore_escapes_values() {
        let mut t = Tokens::default();
        t.insert(b"[GENERIC_SECRET:abcdefghijklmnop]".to_vec(), b"pa\"ss\\word");
        let lit = br#""key [GENERIC_SECRET:abcdefghijklmnop] end [X:aaaa""#;
        let out = t.restore_json(lit).unwrap();
        let v: String = serde_json::from_slice(&out).unwrap();
        assert_eq!(v, "key pa\"ss\\word end [X:aaaa");
        assert_eq!(t.restore_json(br#""nothing""#), None);
    }
    use proptest::prelude::*;

    const TOKEN: &str = "[EMAIL:kcmfpbhdaalognei]";
    const VALUE: &str = "jane@example.org";

    fn tokens() -> Tokens {
        let mut t = Tokens::default();
        t.insert(TOKEN.as_bytes().to_vec(), VALUE.as_bytes());
        t.insert(b"[PHONE:aaaabbbbccccdddd]".to_vec(), b"+1 212 555 0147");
        t
    }

    fn restored(s: &str) -> String {
        String::from_utf8(tokens().restore(s.as_bytes()).unwrap_or_else(|| s.as_bytes().to_vec())).unwrap()
    }

    #[test]
    fn known_tokens_come_back_and_nothing_else_changes() {
        assert_eq!(restored(&format!("write to {TOKEN}.")), format!("write to {VALUE}."));
        assert_eq!(restored(&format!("{TOKEN}{TOKEN}")), format!("{VALUE}{VALUE}"));
        assert_eq!(restored("[PHONE:aaaabbbbccccdddd] [x] [[EMAIL:"), "+1 212 555 0147 [x] [[EMAIL:");
        // A token of another request (or made up) stays as it is.
        assert_eq!(restored("[EMAIL:pppppppppppppppp]"), "[EMAIL:pppppppppppppppp]");
        assert_eq!(restored(&format!("[{TOKEN}]")), format!("[{VALUE}]"));
        assert!(tokens().restore(b"no brackets").is_none());
    }

    #[test]
    fn a_stream_holds_back_only_what_can_still_become_a_token() {
        let mut r = Restorer::new(Arc::new(tokens()));
        let mut out = Vec::new();
        r.push(b"mail [EMAIL:kcmf", &mut out);
        assert_eq!(out, b"mail ");
        r.push(b"pbhdaalognei] now [see", &mut out);
        assert_eq!(String::from_utf8_lossy(&out), format!("mail {VALUE} now "));
        // "[see more" cannot be a token once a space follows.
        r.push(b" more", &mut out);
        assert_eq!(String::from_utf8_lossy(&out), format!("mail {VALUE} now [see more"));
        r.push(b" [EMAIL:abcz", &mut out);
        assert!(out.ends_with(b"[EMAIL:abcz"), "not a token letter: released");
        r.push(b" [", &mut out);
        r.finish(&mut out);
        assert!(out.ends_with(b" ["));
    }

    proptest! {
        /// Any split of a text across pushes restores exactly what restoring it whole does.
        #[test]
        fn any_chunking_restores_like_the_whole(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![TOKEN, "[PHONE:aaaabbbbccccdddd]", "[", "]", ":", "a", " ", "EMAIL", "é", "[EMAIL:kcm"]),
                0..30,
            ),
            cuts in proptest::collection::vec(any::<usize>(), 0..8),
        ) {
            let text = parts.concat().into_bytes();
            let whole = tokens().restore(&text).unwrap_or_else(|| text.clone());
            let mut points: Vec<usize> = cuts.iter().map(|c| c % (text.len() + 1)).collect();
            points.sort_unstable();
            let mut r = Restorer::new(Arc::new(tokens()));
            let mut out = Vec::new();
            let mut at = 0;
            for p in points.into_iter().chain([text.len()]) {
                r.push(&text[at..p], &mut out);
                at = p;
            }
            r.finish(&mut out);
            prop_assert_eq!(out, whole);
        }
    }
}
