//! Context words: whole words near a candidate that raise (or are required for) confidence.
//!
//! A context word counts when it occurs as a whole word — the bytes on either side are not
//! ASCII letters or digits — within [`CONTEXT_WINDOW`] bytes before the candidate's start or
//! after its end, compared ASCII-case-insensitively. "lic" never fires inside "public".

/// How far from a candidate a context word may be, in bytes, on each side.
pub const CONTEXT_WINDOW: usize = 48;

/// Finds the first of `words` that starts a whole word in `hay[lo..hi]` (the first such position
/// wins); returns its span. One pass over the word starts of the region.
pub(crate) fn find_word<W: AsRef<[u8]>>(hay: &[u8], lo: usize, hi: usize, words: &[W]) -> Option<(usize, usize)> {
    let hi = hi.min(hay.len());
    // First letters of the words, to pass over word starts that cannot match.
    let mut firsts = 0u64;
    for w in words {
        if let Some(&f) = w.as_ref().first() {
            firsts |= 1 << (f.to_ascii_lowercase() & 63);
        }
    }
    let mut i = lo;
    while i < hi {
        let b = hay[i];
        let starts_word = b.is_ascii_alphanumeric() || b == b'#';
        if !starts_word || (i > 0 && hay[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let first = b.to_ascii_lowercase();
        for word in words.iter().filter(|_| firsts & (1 << (first & 63)) != 0) {
            let word = word.as_ref();
            let e = i + word.len();
            if word.is_empty() || e > hi || word[0].to_ascii_lowercase() != first {
                continue;
            }
            if hay[i..e].eq_ignore_ascii_case(word)
                && (e >= hay.len() || !hay[e].is_ascii_alphanumeric())
                && !inside_label(hay, i, e)
            {
                return Some((i, e));
            }
        }
        // Skip to the end of this word.
        i += 1;
        while i < hi && hay[i].is_ascii_alphanumeric() {
            i += 1;
        }
    }
    None
}

/// Whether `[s, e)` lies inside a redaction marker such as `[US_SSN]` or `[EMAIL:kcmf…]`,
/// whose words must not count as context when redacted text is scanned again.
fn inside_label(hay: &[u8], s: usize, e: usize) -> bool {
    let label = |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_';
    let mut i = s;
    while i > 0 && s - i < 32 && label(hay[i - 1]) {
        i -= 1;
    }
    let mut j = e;
    while j < hay.len() && j - e < 32 && label(hay[j]) {
        j += 1;
    }
    i > 0 && hay[i - 1] == b'[' && matches!(hay.get(j), Some(b']' | b':'))
}

/// Finds a context word around the span `[s, e)`.
pub(crate) fn around<W: AsRef<[u8]>>(hay: &[u8], s: usize, e: usize, words: &[W]) -> Option<(usize, usize)> {
    find_word(hay, s.saturating_sub(CONTEXT_WINDOW), s, words)
        .or_else(|| find_word(hay, e, e.saturating_add(CONTEXT_WINDOW), words))
}

/// Where a context word is: `[start, end)`.
pub(crate) type Span = (usize, usize);

/// The context word nearest a value at `[s, e)`: the last one within the window before it, and
/// the first one within the window after it (a value's own label is the nearest one, not the
/// first of a list of labelled values: `SSN: 1, SSN: 2`).
pub(crate) fn nearest<W: AsRef<[u8]>>(hay: &[u8], s: usize, e: usize, words: &[W]) -> (Option<Span>, Option<Span>) {
    let mut before = None;
    let mut lo = s.saturating_sub(CONTEXT_WINDOW);
    while let Some(m) = find_word(hay, lo, s, words) {
        before = Some(m);
        lo = m.1.max(m.0 + 1);
    }
    (before, find_word(hay, e, e.saturating_add(CONTEXT_WINDOW), words))
}

/// A value's own context word at `[s, e)`: the nearest one before it (or, with `after`, the
/// first one after it) with nothing between that stands for another value — a digit, or a
/// redaction's `*` or `[`.
pub(crate) fn own_word<W: AsRef<[u8]>>(hay: &[u8], s: usize, e: usize, words: &[W], after: bool) -> Option<Span> {
    let clear = |&(cs, ce): &Span| {
        let between = if ce <= s { &hay[ce..s] } else { &hay[e..cs] };
        !between.iter().any(|&b| b.is_ascii_digit() || b == b'*' || b == b'[')
    };
    let (before, next) = nearest(hay, s, e, words);
    let affirmed = |&(cs, _): &Span| !negated(hay, cs);
    before.filter(clear).filter(affirmed).or(next.filter(|w| after && clear(w) && affirmed(w)))
}

/// Whether the word at `cs` is denied by the words right before it: `not an SSN`, `not a
/// SSN`, `no SSN`, `non-SSN`.
pub(crate) fn negated(hay: &[u8], cs: usize) -> bool {
    let lead = &hay[cs.saturating_sub(8)..cs];
    [&b"not an "[..], b"not a ", b"not ", b"no ", b"non-", b"non "].iter().any(|n| {
        lead.len() >= n.len()
            && lead[lead.len() - n.len()..].eq_ignore_ascii_case(n)
            && (lead.len() == n.len() || !super::is_word(lead[lead.len() - n.len() - 1]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_only() {
        let words = ["lic", "ssn", "social security"];
        assert_eq!(find_word(b"the public key", 0, 14, &words), None);
        assert_eq!(find_word(b"lic: 7", 0, 6, &words), Some((0, 3)));
        assert_eq!(find_word(b"my SSN is", 0, 9, &words), Some((3, 6)));
        assert_eq!(find_word(b"Social Security no", 0, 18, &words), Some((0, 15)));
        assert_eq!(find_word(b"ssns", 0, 4, &words), None);
        assert_eq!(find_word(b"customer_ssn", 0, 12, &words), Some((9, 12)));
        assert_eq!(find_word(b"[US_SSN] 1", 0, 10, &words), None);
    }

    #[test]
    fn a_denied_word_is_no_context() {
        let words = ["ssn"];
        let hay = b"employee 123456789 (not an SSN)";
        assert_eq!(own_word(hay, 9, 18, &words, true), None);
        assert!(own_word(b"SSN 123456789", 4, 13, &words, true).is_some());
        assert!(negated(b"no SSN", 3) && negated(b"a non-SSN", 6) && !negated(b"piano SSN", 6));
    }

    #[test]
    fn the_nearest_word_on_each_side() {
        let hay = b"SSN: 215551337, SSN: 545055578 (ssn)";
        assert_eq!(nearest(hay, 21, 30, &["ssn"]), (Some((16, 19)), Some((32, 35))));
        assert_eq!(nearest(hay, 5, 14, &["ssn"]), (Some((0, 3)), Some((16, 19))));
    }

    #[test]
    fn window_bounds() {
        let hay = b"ssn ..................................................... 123";
        assert_eq!(around(hay, 60, 63, &["ssn"]), None);
        assert_eq!(around(b"123 (ssn)", 0, 3, &["ssn"]), Some((5, 8)));
    }
}
