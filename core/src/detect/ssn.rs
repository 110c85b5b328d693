//! US Social Security numbers and Individual Taxpayer Identification Numbers.
//!
//! Both are nine digits, `AAA-GG-SSSS`. SSNs never start with 9; ITINs always do, with a group
//! in the IRS's ranges (50-65, 70-88, 90-92, 94-99). Grouped with dashes or spaces a value
//! stands on its own (a context word raises its confidence); bare or dotted (`078.05.1123`,
//! also a version or a decimal) it needs a context word of its own: the nearest one before
//! it, or the first after it, with no other value in between.

use super::catalog::Builtin;
use super::units::{left_free, right_free, NumTok};
use super::{context, Sink, Why, Window};
use crate::explain::Rejection;
use crate::validate::ssn_valid;

const CONTEXT: &[&str] =
    &["ssn", "ssns", "ss#", "social security", "social security number", "social sec", "ssa", "taxpayer"];

/// ITINs are often labelled as SSNs (`SSN/ITIN`), so both sets of words count for them.
const ITIN_CONTEXT: &[&str] = &[
    "itin",
    "itins",
    "taxpayer",
    "tin",
    "tax id",
    "individual taxpayer",
    "ssn",
    "ss#",
    "social security",
    "social security number",
];

/// Words of a street address around space-grouped digits (`Suite 680 36 4022 Oakridge Lane`):
/// a unit before them, a street type after them.
const UNIT_WORDS: &[&str] =
    &["suite", "ste", "apt", "apartment", "unit", "box", "floor", "fl", "room", "bldg", "building"];
const STREET_WORDS: &[&str] = &[
    "street",
    "st",
    "avenue",
    "ave",
    "road",
    "rd",
    "lane",
    "ln",
    "drive",
    "dr",
    "boulevard",
    "blvd",
    "way",
    "court",
    "ct",
    "place",
    "pl",
    "terrace",
    "highway",
    "hwy",
    "parkway",
    "pkwy",
    "circle",
    "cir",
];

/// Whether space-grouped digits at `[s, e)` read as part of a street address.
fn address_like(hay: &[u8], s: usize, e: usize) -> bool {
    context::find_word(hay, s.saturating_sub(16), s, UNIT_WORDS).is_some()
        || context::find_word(hay, e, e.saturating_add(40), STREET_WORDS).is_some()
}

/// Whether `(area, group)` is in the IRS's ITIN ranges.
pub(crate) fn itin(area: u16, group: u16) -> bool {
    (900..=999).contains(&area) && matches!(group, 50..=65 | 70..=88 | 90..=92 | 94..=99)
}

pub(crate) fn eval(w: &Window, p: usize, out: &mut Sink) {
    let t = NumTok::read(w, p, b" -.");
    if t.overflow || t.nd != 9 || !left_free(w.hay, p) || !right_free(w, t.end) {
        return;
    }
    let formatted = t.groups() == [3, 2, 4];
    if !formatted && t.ng != 1 {
        return;
    }
    let (area, group, serial) = (t.value(0, 3) as u16, t.value(3, 5) as u16, t.value(5, 9) as u16);
    let is_itin = itin(area, group) && out.on(Builtin::UsItin);
    let (b, words, rule) =
        if is_itin { (Builtin::UsItin, ITIN_CONTEXT, "itin ranges") } else { (Builtin::UsSsn, CONTEXT, "ssn ranges") };
    if !out.on(b) {
        return;
    }
    let det = b.index();
    if !is_itin && !ssn_valid(area, group, serial) {
        out.reject(det, p, t.end, Rejection::Validation(rule));
        return;
    }
    let needs_own = !formatted || t.sep == b'.';
    let ctx = if needs_own {
        // Its own context word ("social security number: 536621889. Order 490149688": the
        // order number has none).
        context::own_word(w.hay, p, t.end, words, true)
    } else {
        context::around(w.hay, p, t.end, words)
    };
    // Digits grouped by spaces beside a unit or street word are an address unless a context
    // word of their own says otherwise (`SSN 680 36 4022`; not an `SSN` two values back).
    if t.sep == b' ' && address_like(w.hay, p, t.end) && context::own_word(w.hay, p, t.end, words, false).is_none() {
        out.reject(det, p, t.end, Rejection::Validation("address-like"));
        return;
    }
    let (base, conf) = match (needs_own, ctx.is_some()) {
        (false, false) => (0.85, 0.85),
        (false, true) => (0.85, 0.97),
        (true, true) => (0.8, 0.8),
        (true, false) => {
            out.reject(det, p, t.end, Rejection::MissingContext);
            return;
        }
    };
    let why = Why { validator: Some(rule), context: out.abs(ctx), base };
    out.found(w, det, p, t.end, conf, why);
}
