//! Phone numbers: US/NANP in their written forms and E.164 international numbers.
//!
//! A phone number must have a phone's *shape*: separators in the places people put them, or a
//! leading `+`. Bare digit runs, dates (4-2-2), versions and timestamps have no such shape —
//! except a bare ten-digit NANP number after a phone word of its own (`phone 2125550147`).
//! An extension written after a number (`x62406`, `ext. 12`) belongs to the finding.
//! A number written with `+` must also fit its country's numbering plan (calling code, length,
//! leading digits; see [`numbering_plan`]).

use super::catalog::Builtin;
use super::units::{digit_before, glued_at, left_free, long_run_at, right_free, skip_ignorable, unit_at, Unit};
use super::{context, is_word, numbering_plan, Sink, Why, Window};
use crate::explain::Rejection;

const CONTEXT: &[&str] =
    &["phone", "tel", "telephone", "mobile", "cell", "call", "fax", "contact", "whatsapp", "sms", "text", "number"];

/// The words that make a bare ten-digit run a phone number: narrower than [`CONTEXT`]
/// (`order number 2125550147` is an order).
const BARE_CONTEXT: &[&str] = &["phone", "tel", "telephone", "mobile", "cell", "call", "fax", "whatsapp", "sms"];

const MAX_GROUPS: usize = 6;

struct Parsed {
    digits: [u8; 20],
    nd: usize,
    /// (first digit index, digit count) per group.
    groups: [(u8, u8); MAX_GROUPS],
    ng: usize,
    /// Delimiter bytes between group k and k+1 (up to 3).
    delims: [[u8; 3]; MAX_GROUPS],
    /// Byte index just past each group.
    gend: [usize; MAX_GROUPS],
    end: usize,
    /// The number went on past what was read.
    overflow: bool,
}

impl Parsed {
    fn sizes(&self) -> [u8; MAX_GROUPS] {
        let mut s = [0; MAX_GROUPS];
        for (k, g) in self.groups[..self.ng].iter().enumerate() {
            s[k] = g.1;
        }
        s
    }

    fn delim(&self, k: usize) -> &[u8] {
        let d = &self.delims[k];
        &d[..d.iter().position(|&b| b == 0).unwrap_or(3)]
    }

    fn first_digit(&self, k: usize) -> u8 {
        self.digits[self.groups[k].0 as usize]
    }
}

fn parse(w: &Window, p: usize) -> Option<Parsed> {
    let hay = w.hay;
    let mut t = Parsed {
        digits: [0; 20],
        nd: 0,
        groups: [(0, 0); MAX_GROUPS],
        ng: 0,
        delims: [[0; 3]; MAX_GROUPS],
        gend: [0; MAX_GROUPS],
        end: p,
        overflow: false,
    };
    let mut i = p;
    loop {
        let first = t.nd as u8;
        let mut count = 0u8;
        loop {
            match unit_at(hay, i) {
                Unit::Digit(d, n) => {
                    if t.nd == t.digits.len() {
                        t.overflow = true;
                        break;
                    }
                    t.digits[t.nd] = d;
                    t.nd += 1;
                    count += 1;
                    i += n;
                    t.end = i;
                }
                Unit::Ignorable(n) => i += n,
                _ => break,
            }
        }
        if t.overflow || count == 0 {
            t.overflow = true;
            break;
        }
        t.groups[t.ng] = (first, count);
        t.gend[t.ng] = t.end;
        t.ng += 1;
        // A delimiter: up to three of ' ', '-', '.', '(', ')'.
        let mut j = t.end;
        let mut d = [0u8; 3];
        let mut dn = 0;
        while let Some(&b) = hay.get(j) {
            if !matches!(b, b' ' | b'-' | b'.' | b'(' | b')') {
                let k = skip_ignorable(hay, j);
                if k > j {
                    j = k;
                    continue;
                }
                break;
            }
            if dn == 3 {
                break;
            }
            d[dn] = b;
            dn += 1;
            j += 1;
        }
        if dn == 0 || dn == 3 || !matches!(unit_at(hay, j), Unit::Digit(..)) {
            break;
        }
        // A number with more groups than a phone has is no phone, but one that ends with its
        // last group is judged like any other ("+1 212 555 0147 0 2001:db8::1").
        if t.ng == MAX_GROUPS {
            t.overflow = true;
            break;
        }
        t.delims[t.ng - 1] = d;
        i = j;
    }
    if w.cut_at(i) {
        t.overflow = true;
    }
    Some(t)
}

/// The digits of the first `k` groups of an international number, as ASCII, without the
/// trunk prefix some write after the country code (`+49 (0)30 …`).
fn international_digits(t: &Parsed, k: usize) -> ([u8; 20], usize) {
    let trunk = trunk_at(t, k).then(|| t.groups[1].0 as usize);
    let nd: usize = t.groups[..k].iter().map(|g| g.1 as usize).sum();
    let (mut out, mut n) = ([0u8; 20], 0);
    for i in (0..nd).filter(|&i| Some(i) != trunk) {
        out[n] = b'0' + t.digits[i];
        n += 1;
    }
    (out, n)
}

/// Whether the second of the first `k` groups is a trunk prefix in parentheses: `(0)`.
fn trunk_at(t: &Parsed, k: usize) -> bool {
    k >= 3 && t.groups[1].1 == 1 && t.first_digit(1) == 0 && t.delim(0) == b" (" && matches!(t.delim(1), b")" | b") ")
}

fn nanp_ok(t: &Parsed, area_group: usize) -> bool {
    t.first_digit(area_group) >= 2 && t.first_digit(area_group + 1) >= 2
}

/// Whether a phone word stands within the context window before `p` (a bare ten-digit run is
/// a candidate only then, so the streams of prose with numbers in it are not held back).
pub(crate) fn bare_context_before(hay: &[u8], p: usize) -> bool {
    context::find_word(hay, p.saturating_sub(context::CONTEXT_WINDOW), p, BARE_CONTEXT).is_some()
}

/// A bare ten-digit NANP number (`2125550147`) after its own phone word: the nearest one
/// before it, with no other number in between (a ten-digit run alone is as often a timestamp
/// or an order number).
fn bare_nanp(w: &Window, s: usize, prefix: u8, t: &Parsed) -> Option<((f32, bool), usize)> {
    if prefix != 0 || t.ng != 1 || t.sizes()[0] != 10 || t.overflow || !right_free(w, t.end) {
        return None;
    }
    let hay = w.hay;
    context::own_word(hay, s, t.end, BARE_CONTEXT, false)?;
    let valid = t.digits[0] >= 2 && t.digits[3] >= 2;
    Some(((0.7, valid), t.end))
}

/// Where a phone number ending at `end` ends with its extension, if one follows: ` x62406`,
/// `x12`, ` ext. 12`, ` ext 12`, ` extension 12` (1-6 digits, then no word character).
fn extension_end(hay: &[u8], end: usize) -> usize {
    let mut i = end;
    if hay.get(i) == Some(&b' ') {
        i += 1;
    }
    let rest = &hay[i.min(hay.len())..];
    let mark = [&b"extension "[..], b"ext. ", b"ext ", b"ext.", b"x"]
        .iter()
        .find(|m| rest.len() >= m.len() && rest[..m.len()].eq_ignore_ascii_case(m))
        .map_or(0, |m| m.len());
    if mark == 0 {
        return end;
    }
    let j = i + mark;
    let n = hay[j..].iter().take(7).take_while(|b| b.is_ascii_digit()).count();
    if (1..=6).contains(&n) && !hay.get(j + n).is_some_and(|&b| is_word(b)) {
        j + n
    } else {
        end
    }
}

/// `p` is the first digit; `+` or `(` may stand right before it.
pub(crate) fn eval(w: &Window, p: usize, out: &mut Sink) {
    let hay = w.hay;
    let prefix = p.checked_sub(1).map(|i| hay[i]).filter(|b| matches!(b, b'+' | b'(')).unwrap_or_default();
    let s = if prefix != 0 { p - 1 } else { p };
    // A '+' or '(' opens a new number, so only a word or digit glued to it disqualifies it.
    let clear = if s < p {
        s == 0
            || super::escaped_control_before(hay, s)
            || !(is_word(hay[s - 1]) || matches!(hay[s - 1], b'+' | b'(') || digit_before(hay, s))
    } else {
        left_free(hay, s)
    };
    if !clear {
        return;
    }
    let Some(t) = parse(w, p) else { return };
    // The phone is the whole number, or its first k groups when a space ends them: a space ends
    // a phone unless the phone is grouped with that same delimiter (a zero-width space makes
    // "  " after "+1 212 555 0147" a different one), " (" always does ("(212) 555-0147 4111…"),
    // and so does the space before a last group that is glued to another token
    // ("+1 212 555 0147 2001:db8::1"). No phone ends where digits are glued to what follows.
    let free = |e: usize| right_free(w, e) && !glued_at(hay, e);
    let last_glued = !t.overflow && !free(t.end);
    let mut choice = None;
    // The longest reading that broke its numbering plan: a space after it may end the
    // number there instead ("+1 212 555 0147 0": ten NANP digits, then a 0).
    let mut off_plan = None;
    for k in (1..=t.ng).rev() {
        let whole = k == t.ng && !t.overflow && !last_glued;
        let next = t.delim(k - 1);
        let spaced = next.first() == Some(&b' ');
        // A group longer than any phone's (6 digits) after a space is the next number
        // ("+1 212 555 0147 4111111111111111").
        let after = t.gend[k - 1];
        let next_long = hay.get(after) == Some(&b' ') && long_run_at(hay, after + 1);
        let split = next == b" ("
            || (spaced && (k < 2 || t.delim(k - 2) != next))
            || (spaced && last_glued && k + 1 == t.ng)
            || (spaced && next_long)
            || (spaced && off_plan.is_some())
            // The next number is grouped another way (`… 0147 078-05-1120`: see `left_free`).
            || (spaced && k + 1 < t.ng && matches!(t.delim(k), b"-" | b"."));
        if !(whole || split) {
            continue;
        }
        if let Some(sh) = shape(&t, k, prefix) {
            if prefix == b'+' && sh.1 {
                let (digits, n) = international_digits(&t, k);
                if let Err(e) = numbering_plan::check(&digits[..n]) {
                    off_plan = off_plan.or(Some((e, t.gend[k - 1])));
                    continue;
                }
            }
            if free(t.gend[k - 1]) {
                choice = Some((sh, t.gend[k - 1]));
            }
            break;
        }
    }
    let det = Builtin::Phone.index();
    let Some(((base, valid), end)) = choice.or_else(|| bare_nanp(w, s, prefix, &t)) else {
        if let Some((e, end)) = off_plan {
            out.reject(det, s, extension_end(hay, end), Rejection::Validation(e.reason()));
        }
        return;
    };
    let end = extension_end(hay, end);
    if !valid {
        out.reject(det, s, end, Rejection::Validation("nanp area/exchange"));
        return;
    }
    let ctx = context::around(hay, s, end, CONTEXT);
    let conf = if ctx.is_some() { (base + 0.14f32).min(0.99) } else { base };
    out.found(w, det, s, end, conf, Why { validator: Some("phone shape"), context: out.abs(ctx), base });
}

/// A `+1` number in NANP groups: valid by the NANP rules at 0.85; written in E.164 with its
/// `+`, one whose exchange breaks the rules (`+1-984-182-0190`: exchanges start with 2-9) is
/// still a phone number by its shape, at 0.7, as long as its area code is one.
fn e164_nanp(t: &Parsed, prefix: u8, nanp_valid: bool) -> (f32, bool) {
    if nanp_valid {
        (0.85, true)
    } else if prefix == b'+' && t.digits[1] >= 2 {
        (0.7, true)
    } else {
        (0.85, false)
    }
}

/// The confidence and validity of the first `k` groups of `t` as a phone number, if they have
/// a phone's shape.
fn shape(t: &Parsed, k: usize, prefix: u8) -> Option<(f32, bool)> {
    if k == 1 && prefix != b'+' {
        return None;
    }
    let g = t.sizes();
    let d = |i| t.delim(i);
    let plain = |x: &[u8]| matches!(x, b" " | b"-" | b".");
    let close = |x: &[u8]| matches!(x, b")" | b") " | b")-");
    let open = |x: &[u8]| matches!(x, b"(" | b" (" | b"-(");
    let country_one = t.first_digit(0) == 1 && g[0] == 1;
    let nd: usize = g[..k].iter().map(|&x| x as usize).sum();
    match (prefix, k, &g[..k]) {
        (0, 3, [3, 3, 4]) if plain(d(0)) && d(0) == d(1) => Some((0.75, nanp_ok(t, 0))),
        (b'(', 3, [3, 3, 4]) if close(d(0)) && plain(d(1)) => Some((0.8, nanp_ok(t, 0))),
        (0 | b'+', 4, [1, 3, 3, 4]) if country_one && plain(d(0)) && plain(d(1)) && d(1) == d(2) => {
            if prefix == 0 && d(0) != d(1) {
                None
            } else {
                Some(e164_nanp(t, prefix, nanp_ok(t, 1)))
            }
        }
        (0 | b'+', 4, [1, 3, 3, 4]) if country_one && open(d(0)) && close(d(1)) && plain(d(2)) => {
            Some(e164_nanp(t, prefix, nanp_ok(t, 1)))
        }
        (b'+', 1, [11]) if t.digits[0] == 1 => Some(e164_nanp(t, prefix, t.digits[1] >= 2 && t.digits[4] >= 2)),
        // A trunk prefix in parentheses after the country code (`+49 (0)30 1234567`,
        // `+44 (0)20 7946 0958`): dialled only nationally, written by habit.
        (b'+', _, _)
            if trunk_at(t, k)
                && t.digits[0] != 0
                && (8..=15).contains(&(nd - 1))
                && (2..k - 1).all(|i| matches!(d(i), b" " | b"-")) =>
        {
            Some((0.8, true))
        }
        (b'+', _, _)
            if (8..=15).contains(&nd) && t.digits[0] != 0 && (0..k - 1).all(|i| matches!(d(i), b" " | b"-")) =>
        {
            Some((0.8, true))
        }
        _ => None,
    }
}
