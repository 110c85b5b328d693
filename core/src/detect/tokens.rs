//! Vendor credentials with published formats: AWS, GitHub, Slack, Stripe, OpenAI, Google, JWT.
//!
//! Each is anchored on its literal prefix by the literal lane, and must not be glued to
//! other token characters on either side, so truncated or extended look-alikes are rejected.

use super::catalog::Builtin;
use super::{is_token, is_word, run_len, Sink, Why, Window};
use crate::explain::Rejection;
use crate::validate::base64::decode_url;
use memchr::memmem::Finder;
use std::sync::LazyLock;

/// `T3BlbkFJ`, base64 of "OpenAI", carried by OpenAI keys.
static OPENAI_MARK: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"T3BlbkFJ"));
/// The `"alg"` key a JWT header must have.
static ALG_KEY: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"alg\""));

fn base32(b: u8) -> bool {
    b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)
}

fn b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'/' || b == b'+'
}

fn found(w: &Window, out: &mut Sink, b: Builtin, s: usize, e: usize, conf: f32, validator: &'static str) {
    out.found(w, b.index(), s, e, conf, Why { validator: Some(validator), context: None, base: conf });
}

/// `AKIA…`-style ids; `lit` is the matched prefix (`A3T` takes one more character).
pub(crate) fn aws_access_key_id(w: &Window, lit: usize, out: &mut Sink) {
    let a = w.a;
    if !w.left_clear(a, is_word) {
        return;
    }
    let mut i = a + lit;
    if lit == 3 {
        match w.at(i) {
            Some(b) if b.is_ascii_uppercase() || b.is_ascii_digit() => i += 1,
            _ => return,
        }
    }
    let n = run_len(w.hay, i, 17, base32);
    if n != 16 || !w.right_clear(i + 16, is_word) {
        return;
    }
    let e = i + 16;
    if out.on(Builtin::AwsAccessKeyId) {
        found(w, out, Builtin::AwsAccessKeyId, a, e, 0.95, "aws key id format");
    }
    if out.on(Builtin::AwsSecretAccessKey) {
        aws_secret_after(w, a, e, out);
    }
}

/// A 40-character secret within 160 bytes after an access key id.
fn aws_secret_after(w: &Window, id_start: usize, from: usize, out: &mut Sink) {
    let hay = w.hay;
    let stop = hay.len().min(from + 160);
    let mut i = from;
    while i < stop {
        if !b64(hay[i]) {
            i += 1;
            continue;
        }
        let n = run_len(hay, i, 42, |b| b64(b) || b == b'=');
        if n == 40
            && w.left_clear(i, b64)
            && w.right_clear(i + 40, |b| b64(b) || b == b'=')
            && aws_secret_shape(&hay[i..i + 40])
        {
            let why = Why {
                validator: Some("aws context"),
                context: Some((out.base + id_start, out.base + from)),
                base: 0.85,
            };
            out.found(w, Builtin::AwsSecretAccessKey.index(), i, i + 40, 0.85, why);
            return;
        }
        i += n.max(1);
    }
}

/// The shape of an AWS secret access key: 40 base64 characters (no padding) with upper case,
/// lower case and digits all present — not a hex digest, not a word.
pub(crate) fn aws_secret_shape(v: &[u8]) -> bool {
    v.len() == 40 && v.iter().all(|&b| b64(b)) && mixed(v)
}

/// Upper case, lower case and digits all present.
fn mixed(v: &[u8]) -> bool {
    v.iter().any(u8::is_ascii_uppercase) && v.iter().any(u8::is_ascii_lowercase) && v.iter().any(u8::is_ascii_digit)
}

/// `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` + 36, or `github_pat_` + 82.
pub(crate) fn github(w: &Window, lit: usize, out: &mut Sink) {
    let a = w.a;
    if !w.left_clear(a, is_word) {
        return;
    }
    let (class, want): (fn(u8) -> bool, usize) =
        if lit == 4 { (|b: u8| b.is_ascii_alphanumeric(), 36) } else { (is_word, 82) };
    let i = a + lit;
    let n = run_len(w.hay, i, want + 1, class);
    if n == want && w.right_clear(i + n, is_word) {
        found(w, out, Builtin::GithubToken, a, i + n, 0.95, "github token format");
    } else if n > 8 {
        out.reject(Builtin::GithubToken.index(), a, i + n, Rejection::Validation("github token length"));
    }
}

/// `dlpjet_live_` + id + `_` + secret + checksum, the checksum valid.
pub(crate) fn dlpjet_key(w: &Window, out: &mut Sink) {
    use crate::validate::apikey::{dlpjet_key_valid, KEY_LEN};
    let a = w.a;
    if !w.left_clear(a, is_word) {
        return;
    }
    let n = run_len(w.hay, a, KEY_LEN + 1, is_word);
    if n == KEY_LEN && w.right_clear(a + n, is_word) && dlpjet_key_valid(&w.hay[a..a + n]) {
        found(w, out, Builtin::DlpjetApiKey, a, a + n, 0.99, "dlpjet key checksum");
    } else if n >= KEY_LEN - 8 {
        out.reject(Builtin::DlpjetApiKey.index(), a, a + n, Rejection::Validation("dlpjet key checksum"));
    }
}

/// `xox?-…` tokens, `xapp-…` app tokens.
pub(crate) fn slack_token(w: &Window, lit: usize, out: &mut Sink) {
    let a = w.a;
    let hay = w.hay;
    if !w.left_clear(a, is_token) {
        return;
    }
    let mut i = a + lit;
    if lit == 3 {
        // "xox" + kind letter + '-', or a configuration token "xoxe.xoxb-" / "xoxe.xoxp-".
        match (w.at(i), w.at(i + 1)) {
            (Some(b'a' | b'b' | b'e' | b'o' | b'p' | b'r' | b's'), Some(b'-')) => i += 2,
            (Some(b'e'), Some(b'.')) if hay[i + 2..].starts_with(b"xoxb-") || hay[i + 2..].starts_with(b"xoxp-") => {
                i += 7;
            }
            _ => return,
        }
    }
    let n = run_len(hay, i, 256, |b| b.is_ascii_alphanumeric() || b == b'-');
    if n >= 256 || !w.right_clear(i + n, is_token) {
        return;
    }
    let body = &hay[i..i + n];
    let segments = body.split(|&b| b == b'-').count();
    let leading_digits = body.iter().take_while(|b| b.is_ascii_digit()).count();
    // Two segments: legacy bot tokens (`xoxb-` digits `-` 18-26 characters) and refresh and
    // configuration tokens (`xoxe-1-` and 146 characters): a number, then a long secret.
    let two = segments == 2 && body.get(leading_digits) == Some(&b'-') && {
        let last = &body[leading_digits + 1..];
        last.len() >= 18 && mixed(last)
    };
    let ok = n >= 24 && (segments >= 3 || two) && leading_digits >= 1 && body.last() != Some(&b'-');
    if ok {
        found(w, out, Builtin::SlackToken, a, i + n, 0.95, "slack token format");
    } else if n >= 8 {
        out.reject(Builtin::SlackToken.index(), a, i + n, Rejection::Validation("slack token format"));
    }
}

/// `hooks.slack.com/services/…` (and workflows/triggers), with the scheme when present.
pub(crate) fn slack_webhook(w: &Window, lit: usize, out: &mut Sink) {
    let a = w.a;
    let hay = w.hay;
    let mut s = a;
    for scheme in [&b"https://"[..], b"http://"] {
        if a >= scheme.len() && &hay[a - scheme.len()..a] == scheme {
            s = a - scheme.len();
        }
    }
    if !w.left_clear(s, is_word) {
        return;
    }
    let mut i = a + lit;
    let kinds: [&[u8]; 3] = [b"services/", b"workflows/", b"triggers/"];
    let Some(kind) = kinds.iter().find(|k| hay[i..].starts_with(k)) else {
        return;
    };
    i += kind.len();
    let n = run_len(hay, i, 128, |b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+' || b == b'_');
    if (30..128).contains(&n) && w.right_clear(i + n, is_word) {
        found(w, out, Builtin::SlackToken, s, i + n, 0.97, "slack webhook format");
    }
}

/// `sk_live_…` / `rk_live_…`.
pub(crate) fn stripe(w: &Window, lit: usize, out: &mut Sink) {
    let a = w.a;
    if !w.left_clear(a, is_word) {
        return;
    }
    let i = a + lit;
    let n = run_len(w.hay, i, 248, |b| b.is_ascii_alphanumeric());
    if (20..=247).contains(&n) && w.right_clear(i + n, is_word) {
        found(w, out, Builtin::StripeKey, a, i + n, 0.95, "stripe key format");
    } else if n > 0 {
        out.reject(Builtin::StripeKey.index(), a, i + n, Rejection::Validation("stripe key length"));
    }
}

/// `sk-proj-…`, `sk-svcacct-…`, `sk-admin-…` and legacy `sk-` keys, all carrying `T3BlbkFJ`.
pub(crate) fn openai(w: &Window, lit: usize, out: &mut Sink) {
    let a = w.a;
    let hay = w.hay;
    if !w.left_clear(a, is_token) {
        return;
    }
    let i = a + lit;
    let project = [&b"proj-"[..], b"svcacct-", b"admin-"].iter().find(|p| hay[i..].starts_with(p)).map(|p| p.len());
    let (ok, e) = match project {
        Some(k) => {
            let n = run_len(hay, i + k, 301, is_token);
            let body = &hay[i + k..i + k + n];
            let ok = (40..=300).contains(&n) && OPENAI_MARK.find(body).is_some();
            (ok && w.right_clear(i + k + n, is_token), i + k + n)
        }
        None => {
            let n = run_len(hay, i, 49, |b| b.is_ascii_alphanumeric());
            let ok = n == 48 && &hay[i + 20..i + 28] == b"T3BlbkFJ";
            (ok && w.right_clear(i + n, is_token), i + n)
        }
    };
    if ok {
        found(w, out, Builtin::OpenaiKey, a, e, 0.97, "openai key format");
    } else if e - i >= 20 {
        out.reject(Builtin::OpenaiKey.index(), a, e, Rejection::Validation("openai key format"));
    }
}

/// `AIza` + 35.
pub(crate) fn google(w: &Window, lit: usize, out: &mut Sink) {
    let a = w.a;
    if !w.left_clear(a, is_token) {
        return;
    }
    let i = a + lit;
    let n = run_len(w.hay, i, 36, is_token);
    if n == 35 && w.right_clear(i + n, is_token) {
        found(w, out, Builtin::GoogleApiKey, a, i + n, 0.95, "google api key format");
    }
}

/// Three base64url parts whose header decodes to a JSON object with `"alg"`.
pub(crate) fn jwt(w: &Window, out: &mut Sink) {
    let a = w.a;
    let hay = w.hay;
    fn b64url(b: u8) -> bool {
        b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
    }
    if !w.left_clear(a, |b| b64url(b) || b == b'.') {
        return;
    }
    let h = run_len(hay, a, 2048, b64url);
    if h < 10 || w.at(a + h) != Some(b'.') {
        return;
    }
    let p0 = a + h + 1;
    let p = run_len(hay, p0, 6144, b64url);
    if p < 10 || !hay[p0..].starts_with(b"ey") || w.at(p0 + p) != Some(b'.') {
        return;
    }
    let s0 = p0 + p + 1;
    let s = run_len(hay, s0, 1024, |b| b64url(b) || b == b'=');
    let e = s0 + s;
    if w.cut_at(e) || !w.right_clear(e, b64url) {
        return;
    }
    if w.at(e) == Some(b'.') && w.at(e + 1).is_some_and(b64url) {
        return; // a five-part JWE or some other dotted structure
    }
    let mut header = [0u8; 1536];
    let det = Builtin::Jwt.index();
    let Some(n) = decode_url(&hay[a..a + h], &mut header) else {
        out.reject(det, a, e, Rejection::Validation("jwt header"));
        return;
    };
    let json = header[..n].trim_ascii_start();
    if json.first() != Some(&b'{') || ALG_KEY.find(json).is_none() {
        out.reject(det, a, e, Rejection::Validation("jwt header"));
        return;
    }
    found(w, out, Builtin::Jwt, a, e, 0.97, "jwt header");
}
