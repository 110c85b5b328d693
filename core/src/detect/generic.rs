//! Secrets assigned to secret-looking names: `password = "…"`, `api_key: …`, `"token": "…"`.
//!
//! The literal lane anchors on a keyword (password, secret, token, api key, …). The evaluator
//! widens it to the whole key name, expects an assignment (`=`, `:`, `:=`, `=>`), reads the
//! value (quoted or bare) and keeps it only if it looks like a secret: long enough, enough
//! entropy, and not a placeholder or a reference to something else. When the key name is an
//! AWS one and the value has the AWS secret shape, the finding is `aws_secret_access_key`.

use super::catalog::Builtin;
use super::tokens::aws_secret_shape;
use super::{Sink, Why, Window};
use crate::explain::Rejection;
use crate::validate::shannon_entropy;
use memchr::memmem::Finder;
use std::sync::LazyLock;

/// Longest key name considered, on each side of the keyword.
const MAX_NAME: usize = 40;
/// Longest value considered.
pub(crate) const MAX_VALUE: usize = 256;
const MIN_VALUE: usize = 8;
/// Minimum entropy (bits per byte) of a quoted value; a bare value needs a little more.
const MIN_ENTROPY: f32 = 3.0;

fn name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// Markers that make a value a placeholder wherever they appear in it.
const PLACEHOLDER_PARTS: &[&[u8]] = &[
    b"changeme",
    b"change_me",
    b"change-me",
    b"example",
    b"placeholder",
    b"your_",
    b"your-",
    b"yourpass",
    b"xxxx",
    b"***",
    b"....",
    b"redacted",
    b"dummy",
    b"sample",
    b"todo",
    b"fixme",
    b"insert_",
    b"replace_",
    b"undefined",
];

/// Values that are placeholders when they are the whole value.
const PLACEHOLDER_WORDS: &[&[u8]] = &[
    b"password",
    b"passwd",
    b"secret",
    b"null",
    b"none",
    b"default",
    b"hunter2",
    b"letmein",
    b"qwerty",
    b"12345678",
    b"123456789",
    b"test",
    b"token",
    b"notasecret",
];

fn placeholder(v: &[u8]) -> bool {
    if matches!(v[0], b'{' | b'<' | b'[' | b'(') || v.contains(&b'<') {
        return true;
    }
    // Variable references: $VAR, ${VAR}, $(cmd), %(name)s, %VAR%, @var.
    let var_start = |b: u8| b.is_ascii_alphabetic() || matches!(b, b'_' | b'{' | b'(');
    if matches!(v[0], b'$' | b'@') && v.get(1).is_some_and(|&b| var_start(b)) {
        return true;
    }
    if v[0] == b'%' && (v.get(1) == Some(&b'(') || v.ends_with(b"%")) {
        return true;
    }
    if v.windows(2).any(|p| p == b"${" || p == b"{{" || p == b"$(" || (p[0] == b'[' && p[1].is_ascii_uppercase())) {
        return true;
    }
    let mut lower = [0u8; MAX_VALUE];
    let lower = &mut lower[..v.len()];
    for (d, s) in lower.iter_mut().zip(v) {
        *d = s.to_ascii_lowercase();
    }
    static FINDERS: LazyLock<Vec<Finder<'static>>> =
        LazyLock::new(|| PLACEHOLDER_PARTS.iter().map(Finder::new).collect());
    FINDERS.iter().any(|f| f.find(lower).is_some()) || PLACEHOLDER_WORDS.iter().any(|p| &lower[..] == *p)
}

/// A bare value that is really code: a call, an index, or a dotted name without digits.
fn code_reference(v: &[u8]) -> bool {
    if v.iter().any(|&b| matches!(b, b'(' | b')' | b'[' | b']')) {
        return true;
    }
    // Dotted or snake_case names without digits: `settings.SECRET_KEY`, `os.environ`.
    let ident = v.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
    let joined = v.iter().any(|&b| b == b'_' || b == b'.');
    ident && joined && !v.iter().any(u8::is_ascii_digit) && v.split(|&b| b == b'_' || b == b'.').all(word_like)
}

/// A name segment as programmers write them: `lower`, `UPPER`, `Capital`, `camelCase`,
/// `PascalCase` — not the case soup of random strings.
fn word_like(seg: &[u8]) -> bool {
    if seg.iter().all(u8::is_ascii_lowercase) || seg.iter().all(u8::is_ascii_uppercase) {
        return true;
    }
    // Each upper-case letter starts a hump and is followed by a lower-case one.
    seg.iter().enumerate().all(|(i, b)| !b.is_ascii_uppercase() || seg.get(i + 1).is_some_and(u8::is_ascii_lowercase))
}

fn aws_name(name: &[u8]) -> bool {
    let has = |p: &[u8]| name.windows(p.len()).any(|x| x.eq_ignore_ascii_case(p));
    has(b"aws") || has(b"secret_access_key") || has(b"secretaccesskey")
}

/// The anchor is a keyword of length `lit`.
pub(crate) fn eval(w: &Window, lit: usize, out: &mut Sink) {
    let hay = w.hay;
    let a = w.a;
    let mut ns = a;
    while ns > 0 && a - ns < MAX_NAME && name_char(hay[ns - 1]) {
        ns -= 1;
    }
    let mut ne = a + lit;
    while ne < hay.len() && ne - (a + lit) < MAX_NAME && name_char(hay[ne]) {
        ne += 1;
    }
    if (ns > 0 && name_char(hay[ns - 1])) || (ne < hay.len() && name_char(hay[ne])) {
        return;
    }
    let name = &hay[ns..ne];
    let mut i = ne;
    if matches!(w.at(i), Some(b'"' | b'\'' | b'`')) {
        i += 1;
    }
    let skip_space = |mut i: usize| {
        let mut k = 0;
        while k < 4 && matches!(w.at(i), Some(b' ' | b'\t')) {
            i += 1;
            k += 1;
        }
        i
    };
    i = skip_space(i);
    let op_len = match (w.at(i), w.at(i + 1)) {
        (Some(b':'), Some(b'=')) | (Some(b'='), Some(b'>')) => 2,
        (Some(b'='), Some(b'=' | b'~')) => return,
        (Some(b':'), Some(b':')) => return,
        (Some(b'=' | b':'), _) => 1,
        _ => return,
    };
    i = skip_space(i + op_len);
    let quote = match w.at(i) {
        Some(q @ (b'"' | b'\'' | b'`')) => {
            i += 1;
            Some(q)
        }
        _ => None,
    };
    let vs = i;
    let ve = match quote {
        Some(q) => {
            let limit = hay.len().min(vs + MAX_VALUE + 1);
            match hay[vs..limit].iter().position(|&b| b == q || b == b'\n') {
                Some(k) if hay[vs + k] == q => vs + k,
                _ => return,
            }
        }
        None => {
            let stop =
                |b: u8| b.is_ascii_whitespace() || matches!(b, b',' | b';' | b'"' | b'\'' | b'`' | b'}' | b'&' | b'>');
            let limit = hay.len().min(vs + MAX_VALUE + 1);
            let k = hay[vs..limit].iter().position(|&b| stop(b)).unwrap_or(limit - vs);
            if vs + k == hay.len() && w.truncated {
                return;
            }
            vs + k
        }
    };
    // Quoted values are taken without surrounding blanks.
    let (mut vs, mut ve) = (vs, ve);
    while vs < ve && hay[vs].is_ascii_whitespace() {
        vs += 1;
    }
    while ve > vs && hay[ve - 1].is_ascii_whitespace() {
        ve -= 1;
    }
    let value = &hay[vs..ve];
    // Credentials have no blanks; quoted text with spaces is prose or a command.
    if value.len() < MIN_VALUE || value.len() > MAX_VALUE || value.iter().any(u8::is_ascii_whitespace) {
        return;
    }
    if aws_name(name) && aws_secret_shape(value) {
        if out.on(Builtin::AwsSecretAccessKey) {
            let why = Why { validator: Some("aws context"), context: Some((out.base + ns, out.base + ne)), base: 0.95 };
            out.found(w, Builtin::AwsSecretAccessKey.index(), vs, ve, 0.95, why);
        }
        return;
    }
    if !out.on(Builtin::GenericSecret) {
        return;
    }
    let det = Builtin::GenericSecret.index();
    if placeholder(value) {
        out.reject(det, vs, ve, Rejection::Placeholder);
        return;
    }
    if quote.is_none() && code_reference(value) {
        out.reject(det, vs, ve, Rejection::Validation("code reference"));
        return;
    }
    let h = shannon_entropy(value);
    let need = if quote.is_some() { MIN_ENTROPY } else { MIN_ENTROPY + 0.3 };
    if h < need {
        out.reject(det, vs, ve, Rejection::Validation("entropy"));
        return;
    }
    let conf = (0.6 + (h - MIN_ENTROPY) * 0.15).clamp(0.6, 0.9);
    let why = Why { validator: Some("entropy"), context: Some((out.base + ns, out.base + ne)), base: conf };
    out.found(w, det, vs, ve, conf, why);
}
