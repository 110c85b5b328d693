//! International Bank Account Numbers.

use super::catalog::Builtin;
use super::{Sink, Why, Window};
use crate::explain::Rejection;
use crate::validate::iban_mod97_valid;

/// Each country's BBAN structure in the ISO 13616 registry (SWIFT's IBAN registry), with
/// adjacent fields of one class merged: `n` digits, `a` letters, `c` letters or digits.
/// The IBAN's length is 4 (country code and check digits) plus the structure's.
const STRUCTURES: &[(&[u8; 2], &str)] = &[
    (b"AD", "8n12c"),
    (b"AE", "19n"),
    (b"AL", "8n16c"),
    (b"AT", "16n"),
    (b"AZ", "4a20c"),
    (b"BA", "16n"),
    (b"BE", "12n"),
    (b"BG", "4a6n8c"),
    (b"BH", "4a14c"),
    (b"BI", "23n"),
    (b"BR", "23n1a1c"),
    (b"BY", "4c4n16c"),
    (b"CH", "5n12c"),
    (b"CR", "18n"),
    (b"CY", "8n16c"),
    (b"CZ", "20n"),
    (b"DE", "18n"),
    (b"DJ", "23n"),
    (b"DK", "14n"),
    (b"DO", "4c20n"),
    (b"EE", "16n"),
    (b"EG", "25n"),
    (b"ES", "20n"),
    (b"FI", "14n"),
    (b"FK", "2a12n"),
    (b"FO", "14n"),
    (b"FR", "10n11c2n"),
    (b"GB", "4a14n"),
    (b"GE", "2a16n"),
    (b"GI", "4a15c"),
    (b"GL", "14n"),
    (b"GR", "7n16c"),
    (b"GT", "24c"),
    (b"HN", "4a20n"),
    (b"HR", "17n"),
    (b"HU", "24n"),
    (b"IE", "4a14n"),
    (b"IL", "19n"),
    (b"IQ", "4a15n"),
    (b"IS", "22n"),
    (b"IT", "1a10n12c"),
    (b"JO", "4a4n18c"),
    (b"KW", "4a22c"),
    (b"KZ", "3n13c"),
    (b"LB", "4n20c"),
    (b"LC", "4a24c"),
    (b"LI", "5n12c"),
    (b"LT", "16n"),
    (b"LU", "3n13c"),
    (b"LV", "4a13c"),
    (b"LY", "21n"),
    (b"MC", "10n11c2n"),
    (b"MD", "20c"),
    (b"ME", "18n"),
    (b"MK", "3n10c2n"),
    (b"MN", "16n"),
    (b"MR", "23n"),
    (b"MT", "4a5n18c"),
    (b"MU", "4a19n3a"),
    (b"NI", "4a20n"),
    (b"NL", "4a10n"),
    (b"NO", "11n"),
    (b"OM", "3n16c"),
    (b"PK", "4a16c"),
    (b"PL", "24n"),
    (b"PS", "4a21c"),
    (b"PT", "21n"),
    (b"QA", "4a21c"),
    (b"RO", "4a16c"),
    (b"RS", "18n"),
    (b"RU", "14n15c"),
    (b"SA", "2n18c"),
    (b"SC", "4a20n3a"),
    (b"SD", "14n"),
    (b"SE", "20n"),
    (b"SI", "15n"),
    (b"SK", "20n"),
    (b"SM", "1a10n12c"),
    (b"SO", "19n"),
    (b"ST", "21n"),
    (b"SV", "4a20n"),
    (b"TL", "19n"),
    (b"TN", "20n"),
    (b"TR", "6n16c"),
    (b"UA", "6n19c"),
    (b"VA", "18n"),
    (b"VG", "4a16n"),
    (b"XK", "16n"),
    (b"YE", "4a4n18c"),
];

/// The registered BBAN structure for a country code.
fn structure_for(cc: &[u8]) -> Option<&'static str> {
    STRUCTURES.iter().find(|(c, _)| c.as_slice() == cc).map(|&(_, f)| f)
}

/// The IBAN length registered for a country code.
pub(crate) fn length_for(cc: &[u8]) -> Option<usize> {
    structure_for(cc).map(|f| 4 + fields(f).map(|(n, _)| n).sum::<usize>())
}

/// The fields of a structure: (count, class).
fn fields(f: &'static str) -> impl Iterator<Item = (usize, u8)> {
    let b = f.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let class = *b.get(i)?;
        i += 1;
        Some((f[s..i - 1].parse().unwrap_or(0), class))
    })
}

/// Whether an IBAN's BBAN (upper case, no separators) has its country's registered structure:
/// a German BBAN is 18 digits, a British one 4 letters and 14 digits.
fn bban_fits(cc: &[u8], bban: &[u8]) -> bool {
    let Some(f) = structure_for(cc) else {
        return false;
    };
    let mut rest = bban;
    for (n, class) in fields(f) {
        if rest.len() < n {
            return false;
        }
        let (head, tail) = rest.split_at(n);
        let ok = match class {
            b'n' => head.iter().all(u8::is_ascii_digit),
            b'a' => head.iter().all(u8::is_ascii_uppercase),
            _ => head.iter().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()),
        };
        if !ok {
            return false;
        }
        rest = tail;
    }
    rest.is_empty()
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
        // So is one that goes on grouped another way (`… 00 078-05-1120`, see `left_free`).
        let j = i + 1 + super::run_len(hay, i + 1, 64, |b| b.is_ascii_digit());
        let regrouped = w.at(i) == Some(b' ') && super::units::regroup_at(hay, j);
        if !super::units::long_run_at(hay, i + 1)
            && !regrouped
            && (!canonical || len % 4 == 0 || !super::units::glued_at(hay, j))
        {
            return;
        }
    }
    let det = Builtin::Iban.index();
    let ctx = (lower && seps > 0).then(|| super::context::around(hay, s, i, CONTEXT)).flatten();
    if lower && seps > 0 && ctx.is_none() {
        out.reject(det, s, i, Rejection::MissingContext);
        return;
    }
    if !bban_fits(&cc, &norm[4..len]) {
        out.reject(det, s, i, Rejection::Validation("bban structure"));
        return;
    }
    if !iban_mod97_valid(&norm[..len]) {
        out.reject(det, s, i, Rejection::Validation("mod97"));
        return;
    }
    let conf = if upper && (seps == 0 || canonical) { 0.95 } else { 0.9 };
    out.found(w, det, s, i, conf, Why { validator: Some("mod97"), context: out.abs(ctx), base: conf });
}

#[cfg(test)]
mod tests {
    use super::{bban_fits, fields, length_for, STRUCTURES};
    use crate::explain::{Outcome, Rejection};
    use crate::Scanner;

    /// The IBAN for a country and BBAN, with its check digits computed (ISO 7064 MOD 97-10).
    fn iban(cc: &[u8], bban: &str) -> String {
        let rotated = format!("{bban}{}00", std::str::from_utf8(cc).unwrap());
        let rem = rotated.bytes().fold(0u32, |r, b| match b {
            b'0'..=b'9' => (r * 10 + (b - b'0') as u32) % 97,
            _ => (r * 100 + (b - b'A' + 10) as u32) % 97,
        });
        format!("{}{:02}{bban}", std::str::from_utf8(cc).unwrap(), 98 - rem)
    }

    /// A BBAN that fits a structure, varied by `seed`: letters where `a`, digits where `n`,
    /// and a mix where `c`.
    fn fitting(f: &'static str, seed: usize) -> String {
        let mut out = String::new();
        for (k, (n, class)) in fields(f).enumerate() {
            for j in 0..n {
                let v = (seed * 7 + k * 5 + j * 3) % 26;
                out.push(match class {
                    b'n' => (b'0' + (v % 10) as u8) as char,
                    b'a' => (b'A' + v as u8) as char,
                    _ if j % 3 == 0 => (b'A' + v as u8) as char,
                    _ => (b'0' + (v % 10) as u8) as char,
                });
            }
        }
        out
    }

    #[test]
    fn every_registered_country_is_found_in_its_structure() {
        let s = Scanner::builder().only(["iban"]).build().unwrap();
        for (cc, f) in STRUCTURES {
            for seed in 0..3 {
                let value = iban(cc.as_slice(), &fitting(f, seed));
                assert_eq!(value.len(), length_for(cc.as_slice()).unwrap());
                let text = format!("IBAN {value} ok");
                let got = s.scan(text.as_bytes());
                assert_eq!(got.len(), 1, "{value}");
                assert_eq!(&text[got[0].start..got[0].end], value);
            }
        }
    }

    #[test]
    fn a_bban_out_of_structure_is_rejected_with_a_reason() {
        let s = Scanner::builder().only(["iban"]).build().unwrap();
        for (cc, f) in STRUCTURES {
            let good = fitting(f, 1);
            // Put a letter where the registry wants a digit, or a digit where it wants a
            // letter: the check digits are recomputed, so only the structure is wrong.
            let Some(pos) =
                fields(f).flat_map(|(n, class)| std::iter::repeat_n(class, n)).position(|class| class != b'c')
            else {
                continue;
            };
            let mut bad = good.into_bytes();
            bad[pos] = if bad[pos].is_ascii_digit() { b'K' } else { b'7' };
            let bad = String::from_utf8(bad).unwrap();
            assert!(!bban_fits(cc.as_slice(), bad.as_bytes()), "{bad}");
            let value = iban(cc.as_slice(), &bad);
            let text = format!("IBAN {value} ok");
            assert!(s.scan(text.as_bytes()).is_empty(), "{value}");
            let why = s.explain(text.as_bytes());
            assert!(
                why.iter().any(|c| c.outcome == Outcome::Rejected(Rejection::Validation("bban structure"))),
                "{value}: {why:?}"
            );
        }
    }

    #[test]
    fn structure_lengths_match_known_ibans() {
        for (value, len) in [("DE89370400440532013000", 22), ("GB82WEST12345698765432", 22), ("NO9386011117947", 15)] {
            assert_eq!(length_for(&value.as_bytes()[..2]), Some(len));
            assert!(bban_fits(&value.as_bytes()[..2], &value.as_bytes()[4..]), "{value}");
        }
    }
}
