//! UTF-16 text: recognised (with or without a byte-order mark), scanned as UTF-8, and reported
//! with spans of the original bytes.
//!
//! Windows tools, PowerShell redirection and many exports write UTF-16. Read byte by byte, its
//! ASCII characters are separated by NUL bytes, so no detector matches and byte tools call the
//! file binary. [`Scanner::scan_text`] and [`Redactor::redact_text`] recognise it and work on a
//! UTF-8 transcoding, mapping every finding back to the UTF-16 bytes it came from.
//!
//! ```
//! let text: Vec<u8> = "\u{feff}mail jane@example.org".encode_utf16().flat_map(u16::to_le_bytes).collect();
//! let scanner = dlpjet::Scanner::new();
//! assert!(scanner.scan(&text).is_empty());
//! let found = scanner.scan_text(&text);
//! assert_eq!(&*found[0].detector, "email");
//! assert_eq!((found[0].start, found[0].end), (12, 44));
//! ```

use crate::{Finding, Redactor, Scanner};

/// The byte order of UTF-16 text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endian {
    /// Little-endian (Windows' default): `FF FE` byte-order mark.
    Little,
    /// Big-endian: `FE FF` byte-order mark.
    Big,
}

/// How much of the input [`detect`] looks at.
const PROBE: usize = 4096;

/// Whether `hay` is UTF-16 text, and in which byte order. Its length must be even, and its
/// first 4 KiB must decode without unpaired surrogates or control characters other than tab,
/// CR and LF. Then a byte-order mark says so; with none, NUL bytes in at least half of the even
/// (big-endian) or odd (little-endian) positions and in almost none of the others do, which is
/// how text in the Latin, Greek and Cyrillic ranges looks in UTF-16. (A file of bytes that
/// merely starts with `FF FE` is not UTF-16.)
pub fn detect(hay: &[u8]) -> Option<Endian> {
    if !hay.len().is_multiple_of(2) || hay.len() < 4 {
        return None;
    }
    let probe = &hay[..hay.len().min(PROBE)];
    let endian = match probe {
        [0xFF, 0xFE, ..] => Endian::Little,
        [0xFE, 0xFF, ..] => Endian::Big,
        _ => {
            let pairs = probe.len() / 2;
            let (mut even, mut odd) = (0, 0);
            for p in probe.chunks_exact(2) {
                even += usize::from(p[0] == 0);
                odd += usize::from(p[1] == 0);
            }
            if odd * 2 >= pairs && even * 20 <= pairs {
                Endian::Little
            } else if even * 2 >= pairs && odd * 20 <= pairs {
                Endian::Big
            } else {
                return None;
            }
        }
    };
    let units = probe.chunks_exact(2).map(|p| match endian {
        Endian::Little => u16::from_le_bytes([p[0], p[1]]),
        Endian::Big => u16::from_be_bytes([p[0], p[1]]),
    });
    // A surrogate cut by the end of the probe is fine; anything else unpaired is not text.
    let mut ok = true;
    let mut chars = char::decode_utf16(units).peekable();
    while let Some(c) = chars.next() {
        match c {
            Ok(c) if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => ok = false,
            Err(_) if chars.peek().is_some() => ok = false,
            _ => {}
        }
        if !ok {
            return None;
        }
    }
    Some(endian)
}

/// The largest UTF-16 input [`Utf16Text::decode`] takes: offsets are kept as `u32`.
pub const MAX_LEN: usize = u32::MAX as usize - 1;

/// UTF-16 text transcoded to UTF-8, with where each UTF-8 byte came from.
#[derive(Debug)]
pub struct Utf16Text {
    /// The text as UTF-8 (unpaired surrogates become U+FFFD).
    pub utf8: Vec<u8>,
    /// The original offset of each UTF-8 byte's code unit, and one past the end.
    from: Vec<u32>,
    /// The original offset just past each UTF-8 byte's character.
    to: Vec<u32>,
    endian: Endian,
    bom: bool,
    /// The odd last byte of the input, if its length was odd.
    odd: Option<u8>,
}

impl Utf16Text {
    /// Transcodes `hay` (a byte-order mark, if any, is kept out of the text). An odd last byte
    /// is no character; [`encode`](Self::encode) puts it back.
    ///
    /// # Panics
    /// If `hay` is longer than [`MAX_LEN`] (4 GiB; offsets are kept as `u32`).
    pub fn decode(hay: &[u8], endian: Endian) -> Utf16Text {
        assert!(hay.len() <= MAX_LEN, "UTF-16 input of 4 GiB or more");
        let unit = |i: usize| match endian {
            Endian::Little => u16::from_le_bytes([hay[i], hay[i + 1]]),
            Endian::Big => u16::from_be_bytes([hay[i], hay[i + 1]]),
        };
        let bom = hay.len() >= 2 && unit(0) == 0xFEFF;
        let mut t = Utf16Text {
            utf8: Vec::with_capacity(hay.len() / 2),
            from: Vec::with_capacity(hay.len() / 2),
            to: Vec::with_capacity(hay.len() / 2),
            endian,
            bom,
            odd: (hay.len() % 2 == 1).then(|| hay[hay.len() - 1]),
        };
        let end = hay.len() & !1;
        let mut i = if bom { 2 } else { 0 };
        while i < end {
            let u = unit(i);
            let (c, len) = match u {
                0xD800..=0xDBFF if i + 4 <= end && (0xDC00..=0xDFFF).contains(&unit(i + 2)) => {
                    (0x10000 + ((u as u32 - 0xD800) << 10) + (unit(i + 2) as u32 - 0xDC00), 4)
                }
                0xD800..=0xDFFF => (0xFFFD, 2),
                _ => (u as u32, 2),
            };
            let mut b = [0u8; 4];
            let s = char::from_u32(c).unwrap_or('\u{FFFD}').encode_utf8(&mut b);
            for &x in s.as_bytes() {
                t.utf8.push(x);
                t.from.push(i as u32);
                t.to.push((i + len) as u32);
            }
            i += len;
        }
        t
    }

    /// The finding with its span in the original UTF-16 bytes.
    pub fn to_original(&self, mut f: Finding) -> Finding {
        let (s, e) = (f.start, f.end);
        f.start = self.from[s] as usize;
        f.end = self.to[e - 1] as usize;
        f
    }

    /// `text` in this text's encoding, with its byte-order mark if it had one (and the odd last
    /// byte of the input, if it had one, so a redaction loses nothing).
    pub fn encode(&self, text: &[u8]) -> Vec<u8> {
        let s = String::from_utf8_lossy(text);
        let mut out = Vec::with_capacity(2 * text.len() + 2);
        let units = self.bom.then_some(0xFEFF).into_iter().chain(s.encode_utf16());
        for u in units {
            out.extend_from_slice(&match self.endian {
                Endian::Little => u.to_le_bytes(),
                Endian::Big => u.to_be_bytes(),
            });
        }
        out.extend(self.odd);
        out
    }
}

impl Scanner {
    /// Like [`scan`](Self::scan), but UTF-16 text ([`detect`]) is scanned as text: findings
    /// carry spans of the original bytes. Other input is scanned as it is.
    ///
    /// # Panics
    /// If `hay` is UTF-16 and longer than [`MAX_LEN`].
    pub fn scan_text(&self, hay: &[u8]) -> Vec<Finding> {
        match detect(hay) {
            None => self.scan(hay),
            Some(e) => {
                let t = Utf16Text::decode(hay, e);
                self.scan(&t.utf8).into_iter().map(|f| t.to_original(f)).collect()
            }
        }
    }
}

impl Redactor {
    /// Like [`redact`](Self::redact), but UTF-16 text ([`detect`]) is redacted as text and
    /// written back in UTF-16, in the same byte order and with its byte-order mark, so the
    /// replacements are UTF-16 too. Unpaired surrogates come back as U+FFFD.
    ///
    /// # Panics
    /// If `hay` is UTF-16 and longer than [`MAX_LEN`].
    pub fn redact_text(&self, hay: &[u8]) -> Vec<u8> {
        match detect(hay) {
            None => self.redact(hay),
            Some(e) => {
                let t = Utf16Text::decode(hay, e);
                t.encode(&self.redact(&t.utf8))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le(s: &str, bom: bool) -> Vec<u8> {
        bom.then_some(0xFEFFu16).into_iter().chain(s.encode_utf16()).flat_map(u16::to_le_bytes).collect()
    }

    fn be(s: &str, bom: bool) -> Vec<u8> {
        bom.then_some(0xFEFFu16).into_iter().chain(s.encode_utf16()).flat_map(u16::to_be_bytes).collect()
    }

    #[test]
    fn detects_either_order_with_or_without_a_mark() {
        let text = "card 4111 1111 1111 1111, mail jane@example.org";
        assert_eq!(detect(&le(text, true)), Some(Endian::Little));
        assert_eq!(detect(&le(text, false)), Some(Endian::Little));
        assert_eq!(detect(&be(text, true)), Some(Endian::Big));
        assert_eq!(detect(&be(text, false)), Some(Endian::Big));
        assert_eq!(detect(text.as_bytes()), None);
        // Binary with NUL bytes everywhere is not text.
        assert_eq!(detect(&[0u8; 64]), None);
        assert_eq!(detect(b"ab"), None);
        // Bytes that only start like a byte-order mark.
        assert_eq!(detect(b"\xff\xfe bad bytes jane.doe@example.org"), None);
        assert_eq!(detect(b"\xff\xfe\x01\x00\x02\x00"), None);
    }

    #[test]
    fn findings_map_to_the_utf16_bytes() {
        let s = Scanner::new();
        for (bytes, off) in [
            (le("x 😀 jane@example.org ☃ 078-05-1121", true), 2),
            (be("x 😀 jane@example.org ☃ 078-05-1121", false), 0),
        ] {
            let found = s.scan_text(&bytes);
            let ids: Vec<&str> = found.iter().map(|f| &*f.detector).collect();
            assert_eq!(ids, ["email", "us_ssn"]);
            // "x 😀 " is 5 code units (the emoji takes two).
            assert_eq!((found[0].start, found[0].end), (off + 10, off + 10 + 32));
            let units: Vec<u16> = found[1]
                .bytes(&bytes)
                .chunks(2)
                .map(|c| if off == 2 { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) })
                .collect();
            assert_eq!(String::from_utf16(&units).unwrap(), "078-05-1121");
        }
    }

    #[test]
    fn redaction_writes_utf16_back() {
        let r = Redactor::builder(Scanner::new()).build().unwrap();
        let out = r.redact_text(&le("mail jane@example.org now", true));
        assert_eq!(out, le("mail [EMAIL] now", true));
        let out = r.redact_text(&be("ssn 078-05-1121", false));
        assert_eq!(out, be("ssn [US_SSN]", false));
        // UTF-8 input is redacted as before.
        assert_eq!(r.redact_text(b"mail jane@example.org"), b"mail [EMAIL]");
    }

    #[test]
    fn unpaired_surrogates_and_odd_lengths_do_not_panic() {
        let mut b = le("ab", false);
        b.extend_from_slice(&[0x00, 0xD8, 0x41, 0x00, 0x7A]);
        let t = Utf16Text::decode(&b, Endian::Little);
        assert_eq!(String::from_utf8(t.utf8.clone()).unwrap(), "ab\u{FFFD}A");
        // The odd last byte comes back with the text.
        assert_eq!(t.encode(&t.utf8).last(), Some(&0x7A));
    }
}
