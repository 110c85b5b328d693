//! API keys of the AI providers a gateway sees every day, by their published formats:
//! Anthropic (`sk-ant-api03-`, `sk-ant-admin01-` + 93 characters + `AA`), Groq (`gsk_` + 52),
//! Hugging Face (`hf_` / `api_org_` + 34 letters) and xAI (`xai-` + 70–120).
//!
//! Each is anchored on its prefix by the literal lane and must not be glued to other token
//! characters on either side, so a truncated or extended look-alike is rejected (and said so
//! by `explain`). Providers whose keys have no prefix (Mistral, Cohere, Azure OpenAI) are
//! found only next to their names: import the gitleaks or Betterleaks rules for them.

use super::catalog::Builtin;
use super::{is_token, is_word, run_len, Sink, Why, Window};
use crate::explain::Rejection;

/// The longest value after an anchor any of these detectors reads (xAI's prefix and body).
pub(crate) const REACH: usize = 4 + 121;

fn found(w: &Window, out: &mut Sink, b: Builtin, s: usize, e: usize, conf: f32, validator: &'static str) {
    out.found(w, b.index(), s, e, conf, Why { validator: Some(validator), context: None, base: conf });
}

/// A run of `class` after the `lit`-byte prefix at the anchor: its end when its length is in
/// `len` and nothing of the token alphabet follows, else a rejection when it looked close.
fn body(
    w: &Window,
    lit: usize,
    len: std::ops::RangeInclusive<usize>,
    class: fn(u8) -> bool,
    b: Builtin,
    out: &mut Sink,
) -> Option<usize> {
    let a = w.a;
    if !w.left_clear(a, is_token) {
        return None;
    }
    let i = a + lit;
    let n = run_len(w.hay, i, len.end() + 1, class);
    if len.contains(&n) && w.right_clear(i + n, is_token) {
        return Some(i + n);
    }
    if n >= 8 {
        out.reject(b.index(), a, i + n, Rejection::Validation("provider key length"));
    }
    None
}

/// `sk-ant-api03-` or `sk-ant-admin01-`, 93 characters of `[A-Za-z0-9_-]`, then `AA`.
pub(crate) fn anthropic(w: &Window, lit: usize, out: &mut Sink) {
    let Some(e) = body(w, lit, 95..=95, is_token, Builtin::AnthropicKey, out) else { return };
    if w.hay[e - 2..e] == *b"AA" {
        found(w, out, Builtin::AnthropicKey, w.a, e, 0.97, "anthropic key format");
    } else {
        out.reject(Builtin::AnthropicKey.index(), w.a, e, Rejection::Validation("anthropic key suffix"));
    }
}

/// `gsk_` and 52 letters and digits.
pub(crate) fn groq(w: &Window, lit: usize, out: &mut Sink) {
    if let Some(e) = body(w, lit, 52..=52, |b| b.is_ascii_alphanumeric(), Builtin::GroqKey, out) {
        found(w, out, Builtin::GroqKey, w.a, e, 0.95, "groq key format");
    }
}

/// `hf_` (access tokens) or `api_org_` (organisation tokens) and 34 letters.
pub(crate) fn huggingface(w: &Window, lit: usize, out: &mut Sink) {
    if !w.left_clear(w.a, is_word) {
        return;
    }
    if let Some(e) = body(w, lit, 34..=34, |b| b.is_ascii_alphabetic(), Builtin::HuggingfaceToken, out) {
        found(w, out, Builtin::HuggingfaceToken, w.a, e, 0.9, "hugging face token format");
    }
}

/// `xai-` and 70 to 120 characters of `[A-Za-z0-9_-]` with letters and digits both present.
pub(crate) fn xai(w: &Window, lit: usize, out: &mut Sink) {
    let Some(e) = body(w, lit, 70..=120, is_token, Builtin::XaiKey, out) else { return };
    let v = &w.hay[w.a + lit..e];
    if v.iter().any(u8::is_ascii_digit) && v.iter().any(u8::is_ascii_alphabetic) {
        found(w, out, Builtin::XaiKey, w.a, e, 0.95, "xai key format");
    }
}
