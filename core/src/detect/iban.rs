//! International Bank Account Numbers.

use super::catalog::Builtin;
use super::{Sink, Why, Window};
use crate::explain::Rejection;
use crate::validate::iban_mod97_valid;

/// IBAN length per country (ISO 13616 registry).
const LENGTHS: &[(&[u8; 2], u8)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BI", 27),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DJ", 27),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FK", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HN", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"LY", 25),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MN", 20),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NI", 28),
    (b"NL", 18),
    (b"NO", 15),
    (b"OM", 23),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"RU", 33),
    (b"SA", 24),
    (b"SC", 31),
    (b"SD", 18),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"SO", 23),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
    (b"YE", 30),
];

/// The IBAN length registered for a country code.
pub(crate) fn length_for(cc: &[u8]) -> Option<usize> {
    LENGTHS.iter().find(|(c, _)| c.as_slice() == cc).map(|&(_, n)| n as usize)
}

/// Words that label an account number: a lowercase IBAN with separators needs one (`no`, `is`,
/// `it`, `be` are English words as well as country codes).
const CONTEXT: &[&str] = &["iban", "account", "acct", "konto", "compte", "cuenta", "conto", "bank", "rekening"];

/// Separators between the groups of a written IBAN: printed with spaces, typed with dashes or
/// dots, grouped in fours or as the bank writes it (`ES 58 0049 0290 …`, `NO 44 1850.05.14562`).
fn separator(b: u8) -> bool {
    matches!(b, b' ' | b'-' | b'.')
}

/// `p` is the first check digit; the country code is the two letters before it, glued or
/// with one space between (`ES 58 …`).
pub(crate) fn eval(w: &Window, p: usize, out: &mut Sink) {
    let hay = w.hay;
    let s = match p {
        _ if p >= 2 && hay[p - 2].is_ascii_alphabetic() && hay[p - 1].is_ascii_alphabetic() => p - 2,
        _ if p >= 3 && hay[p - 1] == b' ' && hay[p - 3].is_ascii_alphabetic() && hay[p - 2].is_ascii_alphabetic() => {
            p - 3
        }
        _ => return,
    };
    if !w.left_clear(s, |b| b.is_ascii_alphanumeric()) {
        return;
    }
    let (upper, lower) = (hay[s].is_ascii_uppercase(), hay[s].is_ascii_lowercase());
    if hay[s + 1].is_ascii_uppercase() != upper {
        return;
    }
    let cc = [hay[s].to_ascii_uppercase(), hay[s + 1].to_ascii_uppercase()];
    let Some(len) = length_for(&cc) else {
        return;
    };
    if !matches!((w.at(p), w.at(p + 1)), (Some(b'0'..=b'9'), Some(b'0'..=b'9'))) {
        return;
    }
    // The characters, upper-cased, without separators; single separators between them.
    let mut norm = [0u8; 34];
    norm[..2].copy_from_slice(&cc);
    let (mut n, mut i, mut seps) = (2, p, p - (s + 2));
    // Printed in fours with single spaces (or not grouped at all).
    let mut canonical = seps == 0;
    while n < len {
        if n >= 4 && w.at(i).is_some_and(separator) {
            canonical &= w.at(i) == Some(b' ') && n % 4 == 0;
            seps += 1;
            i += 1;
        } else if n % 4 == 0 && seps > 0 {
            canonical = false;
        }
        match w.at(i) {
            Some(b) if b.is_ascii_digit() => {}
            // Letters keep the case of the country code: `gb82west…` or `GB82WEST…`.
            Some(b) if (upper && b.is_ascii_uppercase()) || (lower && b.is_ascii_lowercase()) => {}
            _ => return,
        }
        norm[n] = hay[i].to_ascii_uppercase();
        i += 1;
        n += 1;
    }
    if !w.right_clear(i, |b| b.is_ascii_alphanumeric()) {
        return;
    }
    if seps > 0 && w.at(i).is_some_and(separator) && w.at(i + 1).is_some_and(|b| b.is_ascii_digit()) {
        // In a grouped IBAN, more digits after a separator continue the number, unless they
        // are glued to another token ("… 00 2001:db8::1").
        // A run longer than any group is the next number.
        let j = i + 1 + super::run_len(hay, i + 1, 64, |b| b.is_ascii_digit());
        if !super::units::long_run_at(hay, i + 1) && (!canonical || len % 4 == 0 || !super::units::glued_at(hay, j)) {
            return;
        }
    }
    let det = Builtin::Iban.index();
    let ctx = (lower && seps > 0).then(|| super::context::around(hay, s, i, CONTEXT)).flatten();
    if lower && seps > 0 && ctx.is_none() {
        out.reject(det, s, i, Rejection::MissingContext);
        return;
    }
    if !iban_mod97_valid(&norm[..len]) {
        out.reject(det, s, i, Rejection::Validation("mod97"));
        return;
    }
    let conf = if upper && (seps == 0 || canonical) { 0.95 } else { 0.9 };
    out.found(w, det, s, i, conf, Why { validator: Some("mod97"), context: out.abs(ctx), base: conf });
}
