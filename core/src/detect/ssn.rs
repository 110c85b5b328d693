//! US Social Security numbers.

use super::catalog::Builtin;
use super::units::{left_free, right_free, NumTok};
use super::{context, Sink, Why, Window};
use crate::explain::Rejection;
use crate::validate::ssn_valid;

const CONTEXT: &[&str] =
    &["ssn", "ssns", "ss#", "social security", "social security number", "social sec", "ssa", "taxpayer"];

pub(crate) fn eval(w: &Window, p: usize, out: &mut Sink) {
    let t = NumTok::read(w, p, b" -");
    if t.overflow || t.nd != 9 || !left_free(w.hay, p) || !right_free(w, t.end) {
        return;
    }
    let det = Builtin::UsSsn.index();
    let formatted = t.groups() == [3, 2, 4];
    if !formatted && t.ng != 1 {
        return;
    }
    let (area, group, serial) = (t.value(0, 3) as u16, t.value(3, 5) as u16, t.value(5, 9) as u16);
    if !ssn_valid(area, group, serial) {
        out.reject(det, p, t.end, Rejection::Validation("ssn ranges"));
        return;
    }
    let mut ctx = context::around(w.hay, p, t.end, CONTEXT);
    if !formatted {
        // A bare number needs its own context word: none if another number stands between
        // ("social security number: 536621889. Order 490149688").
        ctx = ctx.filter(|&(cs, ce)| {
            let between = if ce <= p { &w.hay[ce..p] } else { &w.hay[t.end..cs] };
            // Redaction output (`***`, `[LABEL]`) stands for a value too.
            !between.iter().any(|&b| b.is_ascii_digit() || b == b'*' || b == b'[')
        });
    }
    let (base, conf) = match (formatted, ctx.is_some()) {
        (true, false) => (0.85, 0.85),
        (true, true) => (0.85, 0.97),
        (false, true) => (0.8, 0.8),
        (false, false) => {
            out.reject(det, p, t.end, Rejection::MissingContext);
            return;
        }
    };
    let why = Why { validator: Some("ssn ranges"), context: out.abs(ctx), base };
    out.found(w, det, p, t.end, conf, why);
}
