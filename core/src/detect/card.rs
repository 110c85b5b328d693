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
    if t.overflow || !(13..=19).contains(&t.nd) || !left_free(w.hay, p) || !right_free(w, t.end) {
        return;
    }
    let det = Builtin::CreditCard.index();
    if t.ng > 1 && !grouped_shape(t.groups()) {
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
            ("1234567890123456", None),
            ("9111111111111111", None),
        ];
        for (s, want) in cases {
            assert_eq!(network(&d(s)), want, "{s}");
        }
    }
}
