//! Byte offsets into UTF-8 text as the string indices of other languages: code points
//! (Python) or UTF-16 code units (JavaScript, Java, C#).

/// The unit a [`TextIndex`] counts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// One per Unicode scalar value: Python `str` indices.
    CodePoint,
    /// Two for characters outside the Basic Multilingual Plane, one for the rest: JavaScript
    /// string indices.
    Utf16,
}

/// The length of `bytes` (UTF-8, or a piece of it cut anywhere) in `unit`s: every byte that
/// starts a character counts one, and for UTF-16 a four-byte character counts two.
pub fn units_in(bytes: &[u8], unit: Unit) -> usize {
    match unit {
        Unit::CodePoint => bytes.iter().filter(|&&b| (b as i8) >= -0x40).count(),
        Unit::Utf16 => bytes.iter().map(|&b| ((b as i8) >= -0x40) as usize + (b >= 0xF0) as usize).sum(),
    }
}

/// Converts byte offsets into one text to offsets in a [`Unit`], walking from the last offset
/// asked for: findings come in order, so a whole text is walked about once.
///
/// ```
/// use dlpjet::offsets::{TextIndex, Unit};
/// let text = "🙂 a@b.io";
/// assert_eq!(TextIndex::new(text.as_bytes(), Unit::CodePoint).of(5), 2);
/// assert_eq!(TextIndex::new(text.as_bytes(), Unit::Utf16).of(5), 3);
/// ```
#[derive(Debug)]
pub struct TextIndex<'a> {
    text: &'a [u8],
    unit: Unit,
    /// Every byte is one unit: offsets are already indices.
    ascii: bool,
    byte: usize,
    at: usize,
}

impl<'a> TextIndex<'a> {
    /// An index over `text`.
    pub fn new(text: &'a [u8], unit: Unit) -> TextIndex<'a> {
        TextIndex { text, unit, ascii: text.is_ascii(), byte: 0, at: 0 }
    }

    /// The offset in units of byte offset `byte` (at most the text's length).
    pub fn of(&mut self, byte: usize) -> usize {
        if self.ascii {
            return byte;
        }
        if byte >= self.byte {
            self.at += units_in(&self.text[self.byte..byte], self.unit);
        } else {
            self.at -= units_in(&self.text[byte..self.byte], self.unit);
        }
        self.byte = byte;
        self.at
    }
}

/// The length of an incomplete UTF-8 sequence at the end of `b` (0 to 3): the bytes a
/// streamed text must hold back so that no character is split between two outputs.
///
/// ```
/// let s = "a🙂".as_bytes();
/// assert_eq!(dlpjet::offsets::incomplete_tail(&s[..3]), 2);
/// assert_eq!(dlpjet::offsets::incomplete_tail(s), 0);
/// ```
pub fn incomplete_tail(b: &[u8]) -> usize {
    for back in 1..=b.len().min(3) {
        let c = b[b.len() - back];
        if c & 0xC0 == 0x80 {
            continue; // a continuation byte: look further back for the lead byte
        }
        let need = match c {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        return if need > back { back } else { 0 };
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incomplete_utf8_tails() {
        let s = "a🙂é".as_bytes();
        assert_eq!(incomplete_tail(s), 0);
        assert_eq!(incomplete_tail(&s[..2]), 1);
        assert_eq!(incomplete_tail(&s[..4]), 3);
        assert_eq!(incomplete_tail(&s[..5]), 0);
        assert_eq!(incomplete_tail(&s[..6]), 1);
        assert_eq!(incomplete_tail(b""), 0);
    }

    #[test]
    fn offsets_count_code_points_and_utf16_units() {
        let s = "né 🙂 x日";
        for unit in [Unit::CodePoint, Unit::Utf16] {
            let mut ix = TextIndex::new(s.as_bytes(), unit);
            for (bytes, c) in s.char_indices() {
                let want = match unit {
                    Unit::CodePoint => s[..bytes].chars().count(),
                    Unit::Utf16 => s[..bytes].encode_utf16().count(),
                };
                assert_eq!(ix.of(bytes), want, "{c:?}");
            }
            assert_eq!(ix.of(1), 1);
            assert_eq!(ix.of(0), 0);
        }
        assert_eq!(units_in("🙂".as_bytes(), Unit::Utf16), 2);
        assert_eq!(TextIndex::new(b"abc", Unit::Utf16).of(2), 2);
    }
}
