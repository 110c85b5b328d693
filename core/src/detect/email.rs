//! E-mail addresses, anchored on `@`.

use super::catalog::Builtin;
use super::{context, Sink, Why, Window};

/// Longest local part accepted (RFC 5321).
pub(crate) const MAX_LOCAL: usize = 64;
/// Longest domain accepted (RFC 1035).
pub(crate) const MAX_DOMAIN: usize = 253;

const CONTEXT: &[&str] = &["email", "e-mail", "mail", "mailto", "contact"];

/// Top-level "domains" that are really file extensions (`logo@2x.png`).
const FILE_EXTENSIONS: &[&[u8]] = &[
    b"png", b"jpg", b"jpeg", b"gif", b"svg", b"webp", b"ico", b"bmp", b"css", b"js", b"ts", b"map", b"json", b"txt",
    b"py", b"rs", b"md", b"html", b"lock", b"yaml", b"yml", b"toml", b"tgz", b"zip",
];

pub(crate) fn local_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn domain_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.'
}

/// `a` is the `@`.
/// Where a local part starts once the escapes glued to its front are left out: in
/// `\u003cjane@…` or `%0Ajane@…` the escape is a character before the address (decoded, the
/// decoding lane reports the address itself).
fn after_glued_escapes(hay: &[u8], mut s: usize, a: usize) -> usize {
    let hex = |k: usize, n: usize| k + n <= a && hay[k..k + n].iter().all(u8::is_ascii_hexdigit);
    loop {
        let skip = match hay[s] {
            b'u' if s > 0 && hay[s - 1] == b'\\' && hex(s + 1, 4) => 5,
            b'x' if s > 0 && hay[s - 1] == b'\\' && hex(s + 1, 2) => 3,
            b'%' if hex(s + 1, 2) => 3,
            _ => return s,
        };
        if s + skip >= a {
            return s;
        }
        s += skip;
    }
}

pub(crate) fn eval(w: &Window, a: usize, out: &mut Sink) {
    let hay = w.hay;
    let mut s = a;
    while s > 0 && a - s <= MAX_LOCAL && local_char(hay[s - 1]) && !super::escaped_control_before(hay, s) {
        s -= 1;
    }
    if a - s > MAX_LOCAL {
        return;
    }
    s = after_glued_escapes(hay, s, a);
    while s < a && hay[s] == b'.' {
        s += 1;
    }
    if s == a || hay[a - 1] == b'.' {
        return;
    }
    let mut e = a + 1;
    while e < hay.len() && e - a <= MAX_DOMAIN + 1 && domain_char(hay[e]) {
        e += 1;
    }
    if e - a > MAX_DOMAIN + 1 || w.cut_at(e) {
        return;
    }
    while e > a + 1 && matches!(hay[e - 1], b'.' | b'-') {
        e -= 1;
    }
    let domain = &hay[a + 1..e];
    let mut labels = 0;
    let mut tld: &[u8] = &[];
    for label in domain.split(|&b| b == b'.') {
        if label.is_empty() || label.len() > 63 || label[0] == b'-' || label[label.len() - 1] == b'-' {
            return;
        }
        labels += 1;
        tld = label;
    }
    let tld_ok = (tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic)) || tld.starts_with(b"xn--");
    if labels < 2 || !tld_ok || FILE_EXTENSIONS.iter().any(|x| tld.eq_ignore_ascii_case(x)) {
        return;
    }
    if hay.get(e) == Some(&b'@') {
        return;
    }
    let ctx = context::around(hay, s, e, CONTEXT);
    let base = 0.9;
    let conf = if ctx.is_some() { 0.97 } else { base };
    out.found(w, Builtin::Email.index(), s, e, conf, Why { validator: Some("domain"), context: out.abs(ctx), base });
}
