//! IPv4 addresses.

use super::catalog::Builtin;
use super::units::{left_free, right_free, NumTok};
use super::{context, Sink, Why, Window};
use crate::explain::Rejection;

const NEGATIVE: &[&str] = &["version", "ver", "v", "release", "build"];

pub(crate) fn eval(w: &Window, p: usize, out: &mut Sink) {
    let t = NumTok::read(w, p, b".");
    if t.overflow || t.ng != 4 || t.evasive || !left_free(w.hay, p) || !right_free(w, t.end) {
        return;
    }
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
        out.reject(det, p, t.end, Rejection::Validation("version context"));
        return;
    }
    out.found(w, det, p, t.end, 0.85, Why { validator: Some("octets"), context: None, base: 0.85 });
}
