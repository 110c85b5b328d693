//! Where the matches of a custom regex can start, read from its syntax: when every match
//! starts with one of a few literals (`\b(ghp_[A-Za-z0-9]{36})`, `(?i)(?:telegr)…`), or with a
//! bounded run of an ASCII class right before such literals (gitleaks' generic shape
//! `(?i)[\w.-]{0,50}?(?:bittrex)…`), a lane finds the literals in one keyword pass and
//! confirms the regex, anchored, at the starts they give, instead of searching around them.

use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Class, ClassBytesRange, ClassUnicodeRange, Hir, HirKind, Repetition};

/// The literals every match starts with (after an optional lead).
#[derive(Clone, Debug)]
pub(crate) struct Starts {
    /// ASCII lower case (they are searched ASCII-case-insensitively), at least two bytes.
    pub literals: Vec<Vec<u8>>,
    /// The longest literal's length.
    pub longest: usize,
    /// With a lead: the pattern after it, which is confirmed at the literal itself.
    pub after_lead: Option<Hir>,
}

impl Starts {
    /// The starts of `hir`'s matches, when a few selective literals (at most 64, each at least
    /// two bytes) give them; `None` when a match can start anywhere.
    ///
    /// A lead is a first part `[class]{0,n}` (lazy or greedy): it may be empty, holds no
    /// group or assertion, and a match goes on at the first literal after it. Every match of
    /// the rest at a literal is then the end of a match of the whole (with the lead as far
    /// back as it reaches), and the rest holds every capture group, so a lane confirms the
    /// rest at the literal and reports the same group as the whole would.
    pub fn of(hir: &Hir) -> Option<Starts> {
        if let Some(l) = literals(hir) {
            return Some(Starts::new(l, None));
        }
        let HirKind::Concat(parts) = hir.kind() else { return None };
        if !is_lead(parts.first()?) {
            return None;
        }
        let rest = Hir::concat(parts[1..].to_vec());
        literals(&rest).map(|l| Starts::new(l, Some(rest)))
    }

    fn new(literals: Vec<Vec<u8>>, after_lead: Option<Hir>) -> Starts {
        let longest = literals.iter().map(Vec::len).max().unwrap_or(1);
        Starts { literals, longest, after_lead }
    }
}

/// Whether `h` is `[class]{0,n}`: a bounded run of a class that may be empty.
fn is_lead(h: &Hir) -> bool {
    match h.kind() {
        HirKind::Repetition(r) => r.min == 0 && r.max.is_some() && matches!(r.sub.kind(), HirKind::Class(_)),
        _ => false,
    }
}

/// The prefix literals of `hir`, folded and deduplicated, when they are few and selective.
fn literals(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let mut ex = Extractor::new();
    // Classes wider than a case-insensitive letter (`[Kk\u{212A}]`) end a literal rather than
    // multiply it (`ntn_[0-9]{11}` is `ntn_`, not a thousand literals). Case-insensitive
    // letters are folded first: the literals are searched ASCII-case-insensitively anyway,
    // and a word's 2^n case variants would exhaust the limits on a pattern with a few
    // optional words in a row (`(?i)(?:azure[_\s.-]*)?(?:storage[_\s.-]*)?…key`).
    ex.kind(ExtractKind::Prefix).limit_total(4096).limit_literal_len(64).limit_class(4);
    let seq = ex.extract(&fold_ascii_case(hir));
    let mut lits: Vec<Vec<u8>> = seq.literals()?.iter().map(|l| l.as_bytes().to_ascii_lowercase()).collect();
    lits.sort_unstable();
    lits.dedup();
    (!lits.is_empty() && lits.len() <= 64 && lits.iter().all(|l| l.len() >= 2)).then_some(lits)
}

/// `hir` with every class that holds one ASCII letter in both cases (and perhaps non-ASCII
/// characters that fold to it, such as `K` KELVIN SIGN) replaced by that letter in lower case
/// or those characters. Every match of `hir` is then, ASCII-case-insensitively, a match of the
/// result: its prefix literals, searched that way, find every match of `hir`.
fn fold_ascii_case(hir: &Hir) -> Hir {
    match hir.kind() {
        HirKind::Class(c) => case_pair(c).unwrap_or_else(|| hir.clone()),
        HirKind::Repetition(r) => Hir::repetition(Repetition { sub: Box::new(fold_ascii_case(&r.sub)), ..r.clone() }),
        HirKind::Capture(c) => {
            let mut c = c.clone();
            c.sub = Box::new(fold_ascii_case(&c.sub));
            Hir::capture(c)
        }
        HirKind::Concat(xs) => Hir::concat(xs.iter().map(fold_ascii_case).collect()),
        HirKind::Alternation(xs) => Hir::alternation(xs.iter().map(fold_ascii_case).collect()),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Look(_) => hir.clone(),
    }
}

/// For a class of one ASCII letter in both cases and at most two other (non-ASCII)
/// characters: the lower-case letter, or an alternation of it and those characters.
fn case_pair(c: &Class) -> Option<Hir> {
    let chars: Vec<char> = match c {
        Class::Unicode(u) => {
            let n: u32 = u.ranges().iter().map(|r: &ClassUnicodeRange| r.end() as u32 - r.start() as u32 + 1).sum();
            if n > 4 {
                return None;
            }
            u.ranges().iter().flat_map(|r| r.start()..=r.end()).collect()
        }
        Class::Bytes(b) => {
            let n: u32 = b.ranges().iter().map(|r: &ClassBytesRange| u32::from(r.end() - r.start()) + 1).sum();
            if n != 2 || b.ranges().iter().any(|r| !r.start().is_ascii()) {
                return None;
            }
            b.ranges().iter().flat_map(|r| r.start()..=r.end()).map(char::from).collect()
        }
    };
    let ascii: Vec<char> = chars.iter().copied().filter(char::is_ascii).collect();
    let [a, b] = ascii[..] else { return None };
    if !a.is_ascii_alphabetic() || !a.eq_ignore_ascii_case(&b) || a == b {
        return None;
    }
    let lower = a.to_ascii_lowercase();
    let mut alts = vec![Hir::literal(lower.to_string().into_bytes())];
    alts.extend(chars.iter().filter(|c| !c.is_ascii()).map(|c| Hir::literal(c.to_string().into_bytes())));
    Some(Hir::alternation(alts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(p: &str) -> Option<Starts> {
        Starts::of(&regex_syntax::Parser::new().parse(p).unwrap())
    }

    #[test]
    fn literal_prefixes_and_a_class_lead_are_read() {
        let s = of(r"\b(ghp_[A-Za-z0-9]{36})").unwrap();
        assert_eq!(s.literals, [b"ghp_".to_vec()]);
        assert!(s.after_lead.is_none());
        let s = of(r"(?i)(?:telegr|bittrex)[=:]x").unwrap();
        let lits: Vec<&[u8]> = s.literals.iter().map(Vec::as_slice).collect();
        assert_eq!(lits, [&b"bittrex:x"[..], b"bittrex=x", b"telegr:x", b"telegr=x"]);
        // A class wider than a case-insensitive letter ends the literals.
        assert_eq!(of(r"ntn_[0-9]{11}").unwrap().literals, [b"ntn_".to_vec()]);
        let s = of(r"(?i)[0-9A-Za-z_.-]{0,50}?(?:bittrex)[ \t]*=([a-z]+)").unwrap();
        assert_eq!(s.literals, [b"bittrex\t".to_vec(), b"bittrex ".to_vec(), b"bittrex=".to_vec()]);
        assert!(s.after_lead.is_some());
        // No selective literal, a lead that must hold something, or an assertion first: none.
        assert!(of(r"[a-z]{10}").is_none());
        assert!(of(r"[a-z]{1,5}key").is_none());
        assert!(of(r"\w{0,5}key").is_some());
        assert!(of(r"x|abc").is_none());
    }

    #[test]
    fn case_insensitive_words_fold_before_they_multiply() {
        // Five optional case-insensitive words in a row: 2^n case variants each would exhaust
        // the extractor's limits; folded, they are a handful of literals.
        let p = r"(?i)\b(?:AccountKey|(?:azure[_\s.-]*)?(?:storage[_\s.-]*)?(?:account[_\s.-]*)?(?:access[_\s.-]*)?key)\b(?s:.{0,24}?)([A-Za-z0-9+/]{86}==)";
        let s = of(p).unwrap();
        for w in ["accountkey", "azure", "storage", "account", "access", "key"] {
            assert!(s.literals.iter().any(|l| l == w.as_bytes()), "{w} in {:?}", s.literals);
        }
        // Characters that fold to an ASCII letter stay literals of their own: `K` (KELVIN
        // SIGN) matches `(?i)k`, and the ASCII-case-insensitive search must find it too.
        assert!(s.literals.iter().any(|l| l == "\u{212A}ey".as_bytes()), "{:?}", s.literals);
        assert!(s.literals.iter().any(|l| l == "\u{17F}torage".as_bytes()), "{:?}", s.literals);
        // Without Unicode, a case pair of bytes folds as well.
        assert_eq!(of(r"(?i-u)tok_[0-9]").unwrap().literals, [b"tok_".to_vec()]);
    }
}
