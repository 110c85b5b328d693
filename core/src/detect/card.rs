//! Payment card numbers: issuer prefix, length and Luhn.

use super::catalog::Builtin;
use super::units::{left_free, right_free, NumTok};
use super::{context, Sink, Why, Window};
use crate::explain::Rejection;
use crate::validate::luhn_valid;

const CONTEXT: &[&str] = &[
    "card",
    "credit",
    "debit",
    "visa",
    "mastercard",
    "amex",
    "discover",
    "jcb",
    "diners",
    "unionpay",
    "cc",
    "ccn",
    "pan",
    "payment",
];

/// The card network a number belongs to, from its prefix and length.
pub(crate) fn network(d: &[u8]) -> Option<&'static str> {
    let n = d.len();
    let p = |k: usize| d[..k].iter().fold(0u32, |a, &x| a * 10 + x as u32);
    match d[0] {
        4 if matches!(n, 13 | 16 | 19) => Some("visa"),
        5 if (51..=55).contains(&p(2)) && n == 16 => Some("mastercard"),
        2 if (2221..=2720).contains(&p(4)) && n == 16 => Some("mastercard"),
        3 if matches!(p(2), 34 | 37) && n == 15 => Some("amex"),
        2 | 1 if matches!(p(4), 2131 | 1800) && n == 15 => Some("jcb"),
        2 if (2200..=2204).contains(&p(4)) && (16..=19).contains(&n) => Some("mir"),
        1 if n == 15 => Some("uatp"),
        3 if (3528..=3589).contains(&p(4)) && (16..=19).contains(&n) => Some("jcb"),
        3 if ((300..=305).contains(&p(3)) || p(4) == 3095 || matches!(p(2), 36 | 38 | 39))
            && (14..=19).contains(&n) =>
        {
            Some("diners")
        }
        6 if (p(4) == 6011 || (644..=649).contains(&p(3)) || p(2) == 65 || (622126..=622925).contains(&p(6)))
            && (16..=19).contains(&n) =>
        {
            Some("discover")
        }
        6 if p(2) == 62 && (16..=19).contains(&n) => Some("unionpay"),
        5 | 6
            if matches!(p(4), 5018 | 5020 | 5038 | 5893 | 6304 | 6759 | 6761 | 6762 | 6763)
                && (13..=19).contains(&n) =>
        {
            Some("maestro")
        }
        _ => None,
    }
}

fn grouped_shape(g: &[u8]) -> bool {
    match g {
        [4, 6, 5] | [4, 6, 4] => true,
        [init @ .., last] => init.iter().all(|&x| x == 4) && (1..=4).contains(last),
        [] => false,
    }
}

pub(crate) fn eval(w: &Window, p: usize, out: &mut Sink) {
    let t = NumTok::read(w, p, b" -");
    if !left_free(w.hay, p) {
        return;
    }
    // A last group that goes on grouped another way (`… 1111 078%2D05%2D1120`) belongs to
    // the next number: only the leading groups can be a card.
    let regrouped = t.sep == b' ' && super::units::regroup_at(w.hay, t.end);
    if t.overflow || !(13..=19).contains(&t.nd) || !right_free(w, t.end) || regrouped {
        leading_card(w, p, &t, out);
        return;
    }
    let det = Builtin::CreditCard.index();
    if t.ng > 1 && !grouped_shape(t.groups()) {
        // `378282246310005 078…`: a whole card, then another number after a space.
        leading_card(w, p, &t, out);
        return;
    }
    let Some(_net) = network(t.digits()) else {
        out.reject(det, p, t.end, Rejection::Validation("issuer prefix"));
        return;
    };
    if !luhn_valid(t.digits()) {
        out.reject(det, p, t.end, Rejection::Validation("luhn"));
        return;
    }
    let ctx = context::around(w.hay, p, t.end, CONTEXT);
    let base = 0.9;
    let conf = if ctx.is_some() { 0.99 } else { base };
    let why = Why { validator: Some("luhn"), context: out.abs(ctx), base };
    out.found(w, det, p, t.end, conf, why);
}

/// The same number written in several formats on one line (`4012888888881881 4012-8888-…`)
/// reads as one long token that is no card: the longest run of its leading groups that is a
/// card on its own (shape, issuer, Luhn) is one.
fn leading_card(w: &Window, p: usize, t: &NumTok, out: &mut Sink) {
    let groups = t.groups();
    // An overflowing token goes on past its last recorded group.
    let last = if t.overflow { groups.len() } else { groups.len().saturating_sub(1) };
    // The last group goes on grouped another way (`4111 1111 1111 1111 123-45-6789`): it
    // starts the next number, as `left_free` reads it.
    let regrouped = t.sep == b' ' && super::units::regroup_at(w.hay, t.end);
    for k in (1..=last).rev() {
        let nd: usize = groups[..k].iter().map(|&g| g as usize).sum();
        // Split only where the token goes on in a shape no single grouped number has
        // (`4111 1111 1111 1111 2222` is one 20-digit number, not a card and a rest).
        if nd > t.nd
            || !(13..=19).contains(&nd)
            || !(k == 1 || grouped_shape(&groups[..k]))
            || groups.get(k).is_some() && grouped_shape(&groups[..k + 1]) && !(regrouped && k + 1 == groups.len())
        {
            continue;
        }
        let digits = &t.digits()[..nd];
        if network(digits).is_none() || !luhn_valid(digits) {
            continue;
        }
        let end = digits_end(w.hay, p, nd);
        let ctx = context::around(w.hay, p, end, CONTEXT);
        let conf = if ctx.is_some() { 0.99 } else { 0.9 };
        let why = Why { validator: Some("luhn"), context: out.abs(ctx), base: 0.9 };
        out.found(w, Builtin::CreditCard.index(), p, end, conf, why);
        return;
    }
}

/// Where the `nd`-th digit unit from `p` ends (separators and invisible characters between).
fn digits_end(hay: &[u8], p: usize, nd: usize) -> usize {
    use super::units::{unit_at, Unit};
    let (mut i, mut seen) = (p, 0);
    while seen < nd && i < hay.len() {
        match unit_at(hay, i) {
            Unit::Digit(_, n) => {
                seen += 1;
                i += n;
            }
            Unit::Ignorable(n) => i += n,
            _ => i += 1,
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::network;

    fn d(s: &str) -> Vec<u8> {
        s.bytes().map(|b| b - b'0').collect()
    }

    #[test]
    fn networks() {
        let cases = [
            ("4111111111111111", Some("visa")),
            ("4222222222222", Some("visa")),
            ("5555555555554444", Some("mastercard")),
            ("2223003122003222", Some("mastercard")),
            ("2721000000000000", None),
            ("378282246310005", Some("amex")),
            ("6011111111111117", Some("discover")),
            ("6445644564456445", Some("discover")),
            ("3530111333300000", Some("jcb")),
            ("30569309025904", Some("diners")),
            ("36227206271667", Some("diners")),
            ("6200000000000005", Some("unionpay")),
            ("213152601815907", Some("jcb")),
            ("180083016613182", Some("jcb")),
            ("6759609139099608", Some("maestro")),
            ("6763308246281948211", Some("maestro")),
            ("5018993518190934", Some("maestro")),
            ("630479711471049740", Some("maestro")),
            ("2201786579754323", Some("mir")),
            ("2204319487574911864", Some("mir")),
            ("125276018955597", Some("uatp")),
            ("12527601895559", None),
            ("1234567890123456", None),
            ("9111111111111111", None),
        ];
        for (s, want) in cases {
            assert_eq!(network(&d(s)), want, "{s}");
        }
    }
}
