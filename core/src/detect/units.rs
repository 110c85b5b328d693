//! Reading digits the way people (and evaders) write them.
//!
//! A *unit* is one logical character of a number: an ASCII digit, a full-width digit
//! (U+FF10–U+FF19, three bytes of UTF-8), or an invisible character that evaders put inside
//! values (U+200B–U+200D, U+2060, U+FEFF) and that is skipped. Card, SSN and phone detection
//! read units, so these tricks do not hide a number, and spans still cover the original bytes.

use super::Window;

/// One unit at a position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    /// A digit 0-9 and how many bytes it takes.
    Digit(u8, usize),
    /// An invisible character to skip, and its length.
    Ignorable(usize),
    /// Any other byte.
    Other(u8),
    /// The end of the window.
    End,
}

/// Reads the unit at `i`.
#[inline]
pub(crate) fn unit_at(hay: &[u8], i: usize) -> Unit {
    let Some(&b) = hay.get(i) else {
        return Unit::End;
    };
    match b {
        b'0'..=b'9' => Unit::Digit(b - b'0', 1),
        0xEF => match (hay.get(i + 1), hay.get(i + 2)) {
            (Some(0xBC), Some(&c @ 0x90..=0x99)) => Unit::Digit(c - 0x90, 3),
            (Some(0xBB), Some(0xBF)) => Unit::Ignorable(3),
            _ => Unit::Other(b),
        },
        0xE2 => match (hay.get(i + 1), hay.get(i + 2)) {
            (Some(0x80), Some(0x8B..=0x8D)) | (Some(0x81), Some(0xA0)) => Unit::Ignorable(3),
            _ => Unit::Other(b),
        },
        _ => Unit::Other(b),
    }
}

/// Skips invisible characters from `i`, returning the next position.
#[inline]
pub(crate) fn skip_ignorable(hay: &[u8], mut i: usize) -> usize {
    while let Unit::Ignorable(n) = unit_at(hay, i) {
        i += n;
    }
    i
}

/// Whether a digit unit ends right before `i` (skipping invisible characters backwards).
pub(crate) fn digit_before(hay: &[u8], i: usize) -> bool {
    let mut i = i;
    for _ in 0..8 {
        if i == 0 {
            return false;
        }
        let b = hay[i - 1];
        if b.is_ascii_digit() {
            return true;
        }
        if i >= 3 {
            match unit_at(hay, i - 3) {
                Unit::Digit(_, 3) => return true,
                Unit::Ignorable(3) => {
                    i -= 3;
                    continue;
                }
                _ => {}
            }
        }
        return false;
    }
    false
}

/// The longest inner group of a grouped number (`4111 1111 …`, `+1 212 555 …`, `DE89 3704 …`):
/// a longer run of digits after a space is a number of its own.
pub(crate) const MAX_GROUP: usize = 6;

/// Whether the ASCII digit run at `i` is longer than [`MAX_GROUP`].
pub(crate) fn long_run_at(hay: &[u8], i: usize) -> bool {
    hay.get(i..).is_some_and(|r| r.iter().take(MAX_GROUP + 1).take_while(|b| b.is_ascii_digit()).count() > MAX_GROUP)
}

/// A number read as groups of digits separated by single separator bytes.
#[derive(Clone, Debug)]
pub(crate) struct NumTok {
    /// The digits, as values 0-9.
    pub digits: [u8; 24],
    pub nd: usize,
    /// Digit count of each group.
    pub groups: [u8; 8],
    pub ng: usize,
    /// The separator used between groups (0 when there is one group).
    pub sep: u8,
    /// Byte index just past the last digit.
    pub end: usize,
    /// More digits or groups than fit: never a valid candidate.
    pub overflow: bool,
    /// A full-width digit or invisible character was part of the number.
    pub evasive: bool,
}

impl NumTok {
    /// Reads a number starting at `p` (a digit unit). Groups are separated by one byte from
    /// `seps`; the first separator used fixes the separator for the rest of the number.
    pub fn read(w: &Window, p: usize, seps: &[u8]) -> NumTok {
        let hay = w.hay;
        let mut t =
            NumTok { digits: [0; 24], nd: 0, groups: [0; 8], ng: 0, sep: 0, end: p, overflow: false, evasive: false };
        let mut i = p;
        let mut in_group = 0u8;
        let mut prev_end = p;
        loop {
            match unit_at(hay, i) {
                Unit::Digit(d, n) => {
                    if t.nd == t.digits.len() {
                        t.overflow = true;
                        t.end = i;
                        return t;
                    }
                    t.evasive |= n > 1;
                    t.digits[t.nd] = d;
                    t.nd += 1;
                    in_group += 1;
                    i += n;
                    t.end = i;
                }
                Unit::Ignorable(n) => {
                    t.evasive = true;
                    i += n;
                }
                Unit::Other(b) if in_group > 0 && seps.contains(&b) && (t.sep == 0 || t.sep == b) => {
                    prev_end = t.end;
                    let j = skip_ignorable(hay, i + 1);
                    if !matches!(unit_at(hay, j), Unit::Digit(..)) {
                        break;
                    }
                    // A run longer than any inner group (at most 6 digits) after the second
                    // group, or after a long first one, is the next number: `+1 212 555 0147
                    // 4111111111111111`. After a short first group it is the rest of this one:
                    // `+1 2125550147`.
                    if long_run_at(hay, j) && (t.ng >= 1 || usize::from(in_group) > MAX_GROUP) {
                        break;
                    }
                    // Nor does a space go on after a run longer than any inner group: the run
                    // is a number of its own (`SSN 123456789 4111 …`, `378282246310005 078`).
                    if b == b' ' && usize::from(in_group) > MAX_GROUP {
                        break;
                    }
                    if t.ng + 1 == t.groups.len() {
                        t.overflow = true;
                        break;
                    }
                    t.groups[t.ng] = in_group;
                    t.ng += 1;
                    in_group = 0;
                    t.sep = b;
                    i = j;
                }
                _ => break,
            }
        }
        if in_group > 0 {
            t.groups[t.ng] = in_group;
            t.ng += 1;
        }
        if w.cut_at(i) {
            t.overflow = true;
        }
        // A last group glued to something else ("… 2001:db8::1", "… 2001abc") belongs to that
        // other token, not to this number.
        // After a dotted number a colon starts a port ("10.0.0.1:8080").
        let port = t.sep == b'.' && hay.get(t.end) == Some(&b':');
        let glued = glued_at(hay, t.end) && !port;
        if glued && t.ng > 1 && !t.overflow {
            t.ng -= 1;
            t.nd -= t.groups[t.ng] as usize;
            t.end = prev_end;
        }
        t
    }

    /// The group sizes.
    pub fn groups(&self) -> &[u8] {
        &self.groups[..self.ng]
    }

    /// The digits as values 0-9.
    pub fn digits(&self) -> &[u8] {
        &self.digits[..self.nd]
    }

    /// The digits `[from, to)` as a number.
    pub fn value(&self, from: usize, to: usize) -> u64 {
        self.digits[from..to].iter().fold(0u64, |acc, &d| acc * 10 + d as u64)
    }
}

/// Whether the bytes at `e` glue what ends there to another token: a word character, or a
/// colon followed by a letter or digit (`2001:db8`, `12:30`). A number's last group that is
/// glued belongs to that other token.
pub(crate) fn glued_at(hay: &[u8], e: usize) -> bool {
    match hay.get(e) {
        Some(&b) if super::is_word(b) => true,
        Some(b':') => hay.get(e + 1).is_some_and(u8::is_ascii_alphanumeric),
        _ => false,
    }
}

/// Whether a number's groups go on at `j` joined by `-` or `.` (written, or encoded: `%2D`,
/// `\u002d`, `&#45;`) to more digits: a number grouped by spaces before `j` ends there, and
/// this starts the next one (`4111 1111 1111 1111 123-45-6789`).
pub(crate) fn regroup_at(hay: &[u8], j: usize) -> bool {
    let (sep, len) = match hay.get(j) {
        Some(&b @ (b'-' | b'.')) => (b, 1),
        Some(_) => match crate::decode::escape_at(hay, j, true) {
            crate::decode::Esc::Yes { len, out, n: 1 } => (out[0], len as usize),
            _ => return false,
        },
        None => return false,
    };
    matches!(sep, b'-' | b'.') && hay.get(j + len).is_some_and(u8::is_ascii_digit)
}

/// Whether the number starting at `p` is free on its left: not glued to a word and not the
/// continuation of a longer number (`12-4111…`, `1.5`).
pub(crate) fn left_free(hay: &[u8], p: usize) -> bool {
    if p == 0 {
        return true;
    }
    if super::escaped_control_before(hay, p) {
        return true;
    }
    if digit_before(hay, p) {
        return false;
    }
    let b = hay[p - 1];
    if super::is_word(b) {
        return false;
    }
    if matches!(b, b'-' | b'.' | b'/' | b',' | b' ' | b':') && p >= 2 && digit_before(hay, p - 1) {
        // A space continues a number only when the digits before it are themselves a
        // space-grouped (or leading) group: after "mc2" or "123-45-6789" a new number starts.
        if b == b' ' {
            let mut i = p - 1;
            let stop = i.saturating_sub(32);
            while i > stop && hay[i - 1].is_ascii_digit() {
                i -= 1;
            }
            if i > 0
                && (hay[i - 1].is_ascii_alphabetic() || matches!(hay[i - 1], b'_' | b'-' | b'.' | b'/' | b':' | b','))
            {
                return true;
            }
            // Nor after, or before, a run longer than any group of a grouped number (groups have
            // at most 6 digits): `4012888888881881 4012-8888-…` and `… 1111 378282246310005`
            // are two numbers.
            if p - 1 - i > MAX_GROUP || long_run_at(hay, p) {
                return true;
            }
            // Nor where the grouping changes: a space-grouped number does not go on in groups
            // joined by `-` or `.` (`+1 212 555 0147 078-05-1120` is a phone, then an SSN).
            if regroup_at(hay, p + super::run_len(hay, p, MAX_GROUP + 1, |b| b.is_ascii_digit())) {
                return true;
            }
        }
        return false;
    }
    true
}

/// Whether the number ending at `e` is free on its right: not glued to a word or a decimal part.
pub(crate) fn right_free(w: &Window, e: usize) -> bool {
    match w.hay.get(e) {
        None => !w.truncated,
        Some(&b) if super::is_word(b) => false,
        Some(_) if matches!(unit_at(w.hay, e), Unit::Digit(..)) => false,
        Some(b'.' | b',' | b'-' | b'/') => !matches!(unit_at(w.hay, skip_ignorable(w.hay, e + 1)), Unit::Digit(..)),
        Some(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn win(s: &[u8]) -> Window<'_> {
        Window { hay: s, a: 0, truncated: false }
    }

    #[test]
    fn units() {
        assert_eq!(unit_at(b"7", 0), Unit::Digit(7, 1));
        assert_eq!(unit_at("４".as_bytes(), 0), Unit::Digit(4, 3));
        assert_eq!(unit_at("\u{200b}".as_bytes(), 0), Unit::Ignorable(3));
        assert_eq!(unit_at("\u{2060}".as_bytes(), 0), Unit::Ignorable(3));
        assert_eq!(unit_at("\u{feff}".as_bytes(), 0), Unit::Ignorable(3));
        assert_eq!(unit_at("\u{2014}".as_bytes(), 0), Unit::Other(0xE2));
        assert_eq!(unit_at("\u{ff21}".as_bytes(), 0), Unit::Other(0xEF));
        assert_eq!(unit_at(b"", 0), Unit::End);
    }

    #[test]
    fn numtok_groups() {
        let t = NumTok::read(&win(b"4111 1111 1111 1111 x"), 0, b" -");
        assert_eq!(t.groups(), &[4, 4, 4, 4]);
        assert_eq!(t.end, 19);
        let t = NumTok::read(&win(b"123-45 6789"), 0, b" -");
        assert_eq!(t.groups(), &[3, 2]);
        assert_eq!(t.sep, b'-');
        let s = "4\u{200b}111１111".as_bytes();
        let t = NumTok::read(&win(s), 0, b" -");
        assert_eq!(t.nd, 8);
        assert!(t.evasive);
        assert_eq!(t.end, s.len());
        let t = NumTok::read(&Window { hay: b"1234", a: 0, truncated: true }, 0, b"-");
        assert!(t.overflow);
    }

    #[test]
    fn freedom() {
        assert!(left_free(b" 4", 1));
        assert!(!left_free(b"a4", 1));
        assert!(!left_free(b"1-4", 2));
        assert!(left_free(b"(4", 1));
        assert!(right_free(&win(b"4 "), 1));
        assert!(!right_free(&win(b"4.5"), 1));
        assert!(right_free(&win(b"4."), 1));
        assert!(!right_free(&Window { hay: b"4", a: 0, truncated: true }, 1));
    }
}
