//! API keys of the AI providers a gateway sees every day, by their published formats:
//! Anthropic (`sk-ant-api03-`, `sk-ant-admin01-` + 93 characters + `AA`), Groq (`gsk_` + 52),
//! Hugging Face (`hf_` / `api_org_` + 34 letters) and xAI (`xai-` + 70–120); and high-value
//! cloud and registry credentials with a prefix of their own: SendGrid (`SG.` + 22 + `.` + 43),
//! npm (`npm_` + 36), PyPI (`pypi-` + a macaroon for pypi.org or test.pypi.org) and Azure
//! storage account keys (`AccountKey=` + 86 base64 + `==`).
//!
//! Each is anchored on its prefix by the literal lane and must not be glued to other token
//! characters on either side, so a truncated or extended look-alike is rejected (and said so
//! by `explain`). Providers whose keys have no prefix (Mistral, Cohere, Azure OpenAI) are
//! found only next to their names: import the gitleaks or Betterleaks rules for them.

use super::catalog::Builtin;
use super::{is_token, is_word, run_len, Sink, Why, Window};
use crate::explain::Rejection;

/// The longest value after an anchor these detectors read but PyPI's (xAI's prefix and body;
/// `AccountKey=` and 88).
pub(crate) const REACH: usize = 4 + 121;
/// The longest PyPI token body read (tokens with many caveats are a few hundred characters).
const PYPI_MAX: usize = 1024;
/// What the PyPI detector reads after its anchor.
pub(crate) const PYPI_REACH: usize = 5 + 22 + PYPI_MAX + 1;

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

/// `SG.`, 22 characters of `[A-Za-z0-9_-]`, `.`, 43 more.
pub(crate) fn sendgrid(w: &Window, lit: usize, out: &mut Sink) {
    let b = Builtin::SendgridKey;
    if !w.left_clear(w.a, is_token) {
        return;
    }
    let i = w.a + lit;
    let n = run_len(w.hay, i, 23, is_token);
    if n != 22 || w.at(i + n) != Some(b'.') {
        if n >= 8 {
            out.reject(b.index(), w.a, i + n, Rejection::Validation("sendgrid key format"));
        }
        return;
    }
    let j = i + 23;
    let m = run_len(w.hay, j, 44, is_token);
    if m == 43 && w.right_clear(j + m, |c| is_token(c) || c == b'.') {
        found(w, out, b, w.a, j + m, 0.97, "sendgrid key format");
    } else if m >= 8 {
        out.reject(b.index(), w.a, j + m, Rejection::Validation("sendgrid key format"));
    }
}

/// `npm_` and 36 letters and digits.
pub(crate) fn npm(w: &Window, lit: usize, out: &mut Sink) {
    if let Some(e) = body(w, lit, 36..=36, |b| b.is_ascii_alphanumeric(), Builtin::NpmToken, out) {
        let v = &w.hay[w.a + lit..e];
        if v.iter().any(u8::is_ascii_digit) && v.iter().any(u8::is_ascii_alphabetic) {
            found(w, out, Builtin::NpmToken, w.a, e, 0.95, "npm token format");
        }
    }
}

/// `pypi-` and a macaroon whose serialisation starts with the location `pypi.org`
/// (`AgEIcHlwaS5vcmc`) or `test.pypi.org` (`AgENdGVzdC5weXBpLm9yZw`), 50 characters or more of
/// `[A-Za-z0-9_-]` after that.
pub(crate) fn pypi(w: &Window, lit: usize, out: &mut Sink) {
    let rest = &w.hay[w.a + lit - 3..];
    let mark = [&b"AgEIcHlwaS5vcmc"[..], b"AgENdGVzdC5weXBpLm9yZw"].into_iter().find(|m| rest.starts_with(m));
    let Some(mark) = mark else { return };
    if let Some(e) = body(w, lit - 3 + mark.len(), 50..=PYPI_MAX, is_token, Builtin::PypiToken, out) {
        found(w, out, Builtin::PypiToken, w.a, e, 0.97, "pypi macaroon prefix");
    }
}

/// An Azure storage connection string's `AccountKey=`: the 64-byte key in base64, 86
/// characters and `==`. The finding is the key, not its name.
pub(crate) fn azure_storage(w: &Window, lit: usize, out: &mut Sink) {
    fn b64(c: u8) -> bool {
        c.is_ascii_alphanumeric() || c == b'+' || c == b'/'
    }
    fn padded(c: u8) -> bool {
        b64(c) || c == b'='
    }
    let i = w.a + lit;
    let n = run_len(w.hay, i, 87, b64);
    let e = i + n + 2;
    if n == 86 && w.hay.get(i + n..e) == Some(b"==") && w.right_clear(e, padded) {
        found(w, out, Builtin::AzureStorageKey, i, e, 0.97, "azure storage key format");
    } else if n >= 8 {
        out.reject(Builtin::AzureStorageKey.index(), i, i + n, Rejection::Validation("azure storage key format"));
    }
}
