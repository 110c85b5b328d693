//! IPv4 addresses.

use super::catalog::Builtin;
use super::units::{left_free, right_free, NumTok};
use super::{context, Sink, Why, Window};
use crate::explain::Rejection;

const NEGATIVE: &[&str] = &["version", "ver", "v", "release", "build"];

/// With a CIDR prefix length (`10.0.0.0/8`, 0-32), where the address and prefix end.
fn cidr_end(w: &Window, e: usize) -> Option<usize> {
    if w.hay.get(e) != Some(&b'/') {
        return None;
    }
    let n = w.hay[e + 1..].iter().take(3).take_while(|b| b.is_ascii_digit()).count();
    let len = std::str::from_utf8(&w.hay[e + 1..e + 1 + n]).ok()?.parse::<u8>().ok()?;
    let end = e + 1 + n;
    ((1..=2).contains(&n) && len <= 32 && right_free(w, end)).then_some(end)
}

pub(crate) fn eval(w: &Window, p: usize, out: &mut Sink) {
    let t = NumTok::read(w, p, b".");
    if t.overflow || t.ng != 4 || t.evasive || !left_free(w.hay, p) {
        return;
    }
    let Some(end) = cidr_end(w, t.end).or(right_free(w, t.end).then_some(t.end)) else { return };
    let mut k = 0;
    for &g in t.groups() {
        let g = g as usize;
        if g > 3 || (g > 1 && t.digits[k] == 0) || t.value(k, k + g) > 255 {
            return;
        }
        k += g;
    }
    let det = Builtin::Ipv4.index();
    if let Some(_v) = context::find_word(w.hay, p.saturating_sub(12), p, NEGATIVE) {
        out.reject(det, p, end, Rejection::Validation("version context"));
        return;
    }
    out.found(w, det, p, end, 0.85, Why { validator: Some("octets"), context: None, base: 0.85 });
}
