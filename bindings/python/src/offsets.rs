//! Byte offsets to Python string indices (code points).

/// Code points in `bytes`: every byte that does not continue a UTF-8 sequence starts one.
pub fn chars_in(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

/// Converts byte offsets into one text to code point offsets, walking forward from the last
/// offset asked for (findings come in order, so a whole text is walked at most about once).
#[derive(Debug)]
pub struct CharIndex<'a> {
    text: &'a [u8],
    /// Every byte is one code point: offsets are already indices.
    ascii: bool,
    byte: usize,
    char: usize,
}

impl<'a> CharIndex<'a> {
    pub fn new(text: &'a [u8]) -> CharIndex<'a> {
        CharIndex { text, ascii: text.is_ascii(), byte: 0, char: 0 }
    }

    /// The code point index of byte offset `at` (at most the text's length).
    pub fn of(&mut self, at: usize) -> usize {
        if self.ascii {
            return at;
        }
        if at >= self.byte {
            self.char += chars_in(&self.text[self.byte..at]);
        } else {
            self.char -= chars_in(&self.text[at..self.byte]);
        }
        self.byte = at;
        self.char
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_code_points() {
        let s = "né 🙂 x";
        let mut ix = CharIndex::new(s.as_bytes());
        for (chars, (bytes, _)) in s.char_indices().enumerate() {
            assert_eq!(ix.of(bytes), chars);
        }
        assert_eq!(ix.of(s.len()), s.chars().count());
        assert_eq!(ix.of(1), 1);
        assert_eq!(ix.of(0), 0);
        assert_eq!(CharIndex::new(b"abc").of(2), 2);
    }
}
