//! PEM and OpenSSH private key blocks, reported as one finding from BEGIN to END.

use super::catalog::Builtin;
use super::{Sink, Why, Window};
use crate::explain::Rejection;
use memchr::memmem::Finder;
use std::sync::LazyLock;

/// The run of dashes that opens and closes PEM lines, searched once per key.
static DASHES: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"-----"));

/// Longest key block searched for its END line.
pub(crate) const MAX_BLOCK: usize = 16 * 1024;

fn label_char(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ' || b == b'_' || b == b'-'
}

/// The anchor is `-----BEGIN ` (the literal's length is `lit`).
/// The fewest base64 characters a block's body must hold: less is a placeholder (`anything`,
/// an elided `...`), not a key (the shortest real key blocks hold well over a hundred).
const MIN_MATERIAL: usize = 16;

/// Whether a block's body is key material: base64 lines (and PEM headers such as
/// `Proc-Type:`), at least [`MIN_MATERIAL`] characters of base64.
fn key_material(body: &[u8]) -> bool {
    // A block pasted into a JSON or code string has `\n` escapes for its line breaks.
    let mut text = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' && matches!(body.get(i + 1), Some(b'n' | b'r')) {
            text.push(b'\n');
            i += 2;
        } else {
            text.push(body[i]);
            i += 1;
        }
    }
    let mut n = 0;
    for line in text.split(|&b| b == b'\n') {
        let line = line.trim_ascii();
        if line.starts_with(b"Proc-Type:") || line.starts_with(b"DEK-Info:") {
            continue;
        }
        if !line.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')) {
            return false;
        }
        n += line.len();
    }
    n >= MIN_MATERIAL
}

pub(crate) fn eval(w: &Window, lit: usize, out: &mut Sink) {
    let hay = w.hay;
    let a = w.a;
    let l0 = a + lit;
    let Some(l_len) = DASHES.find(&hay[l0..hay.len().min(l0 + 101)]) else {
        return;
    };
    let label = &hay[l0..l0 + l_len];
    if !label.iter().all(|&b| label_char(b))
        || !(label.ends_with(b"PRIVATE KEY") || label.ends_with(b"PRIVATE KEY BLOCK"))
    {
        return;
    }
    let body = l0 + l_len + 5;
    let det = Builtin::PrivateKey.index();
    // The next run of dashes must be the matching END line: a body never contains dashes, so a
    // repeated BEGIN costs only up to the next dashes, keeping the lane linear.
    if let Some(d) = DASHES.find(&hay[body..]) {
        let end_line = body + d;
        let rest = &hay[end_line + 5..];
        if rest.starts_with(b"END ") && rest[4..].starts_with(label) && rest[4 + label.len()..].starts_with(b"-----") {
            let e = end_line + 5 + 4 + label.len() + 5;
            if !key_material(&hay[body..end_line]) {
                // `anything`, `***`, `...` or nothing between the lines: a placeholder block.
                out.reject(det, a, e, Rejection::Validation("key material"));
                return;
            }
            out.found(w, det, a, e, 0.99, Why { validator: Some("matching END line"), context: None, base: 0.99 });
            return;
        }
    }
    // No END line in reach (a truncated paste): report the header and the whole lines after it
    // that are base64 or PEM headers (Proc-Type:, DEK-Info:), up to the first other line.
    let mut e = body;
    let mut line = body;
    let b64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
    loop {
        while line < hay.len() && matches!(hay[line], b'\r' | b'\n') {
            line += 1;
        }
        let len = hay[line..].iter().position(|&b| b == b'\n').unwrap_or(hay.len() - line);
        let text = hay[line..line + len].strip_suffix(b"\r").unwrap_or(&hay[line..line + len]);
        let pem_header = text.starts_with(b"Proc-Type:") || text.starts_with(b"DEK-Info:");
        let complete = line + len < hay.len() || !w.truncated;
        if text.is_empty() || !complete || !(pem_header || text.iter().all(|&b| b64(b))) {
            break;
        }
        e = line + text.len();
        line += len;
    }
    out.found(w, det, a, e, 0.8, Why { validator: Some("header only"), context: None, base: 0.8 });
}
