//! Reading values hidden by an encoding: escapes (percent-encoding, JSON/JS `\u`/`\x`,
//! HTML character references, quoted-printable, full-width compatibility forms) and base64
//! blocks that decode to text.
//!
//! Decoding happens on the detection path only: a window of raw bytes is decoded into a
//! [`Decoded`] buffer that remembers where every decoded byte came from in the raw bytes, so a
//! finding in decoded text maps back to the encoded span (and redaction replaces that span).

pub(crate) use crate::simd::class::b64_char;
use crate::simd::class::{b64_value, B64};

/// The most bytes one escape takes: a surrogate pair written with the most backslashes
/// (`\\\\…u` twice: 2 × (8 + 5)); `&#x10FFFF;` is 10, the longest named reference in
/// [`NAMED`] is 10.
pub(crate) const MAX_ESCAPE: usize = 2 * (MAX_BACKSLASHES + 5);
/// The most backslashes before `u` or `x` read as one (nested JSON-in-JSON) escape.
const MAX_BACKSLASHES: usize = 8;

/// What is at a position of the raw bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Esc {
    /// Not an escape.
    No,
    /// More bytes are needed to tell (the data ends inside what may be an escape).
    Incomplete,
    /// An escape of `len` raw bytes that decodes to `out[..n]` (`n` may be 0: a soft line break).
    Yes { len: u8, out: [u8; 4], n: u8 },
}

/// HTML named character references that stand for characters values are made of. The full
/// HTML table has 2,231 names; these are the ones that can hide an address, a number or a key.
const NAMED: &[(&[u8], char)] = &[
    (b"commat", '@'),
    (b"period", '.'),
    (b"lowbar", '_'),
    (b"UnderBar", '_'),
    (b"hyphen", '-'),
    (b"dash", '-'),
    (b"minus", '-'),
    (b"colon", ':'),
    (b"plus", '+'),
    (b"num", '#'),
    (b"equals", '='),
    (b"sol", '/'),
    (b"bsol", '\\'),
    (b"amp", '&'),
    (b"lt", '<'),
    (b"gt", '>'),
    (b"quot", '"'),
    (b"apos", '\''),
    (b"nbsp", ' '),
    (b"Tab", '\t'),
    (b"NewLine", '\n'),
    (b"lpar", '('),
    (b"rpar", ')'),
    (b"comma", ','),
    (b"semi", ';'),
    (b"excl", '!'),
    (b"quest", '?'),
    (b"dollar", '$'),
    (b"percnt", '%'),
    (b"ast", '*'),
    (b"lsqb", '['),
    (b"rsqb", ']'),
    (b"lcub", '{'),
    (b"rcub", '}'),
    (b"verbar", '|'),
    (b"tilde", '~'),
];

fn hex(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// `n` hex digits at `hay[i..]`: the value, `Err(true)` when the data ends first.
fn hex_n(hay: &[u8], i: usize, n: usize) -> Result<u32, bool> {
    let mut v = 0;
    for k in 0..n {
        match hay.get(i + k) {
            None => return Err(true),
            Some(&b) => v = v * 16 + hex(b).ok_or(false)?,
        }
    }
    Ok(v)
}

fn utf8(c: u32) -> ([u8; 4], u8) {
    let c = char::from_u32(c).unwrap_or('\u{FFFD}');
    let mut out = [0u8; 4];
    let n = c.encode_utf8(&mut out).len() as u8;
    (out, n)
}

fn yes(len: usize, c: u32) -> Esc {
    let (out, n) = utf8(c);
    Esc::Yes { len: len as u8, out, n }
}

fn byte(len: usize, b: u8) -> Esc {
    Esc::Yes { len: len as u8, out: [b, 0, 0, 0], n: 1 }
}

/// Maps a "need more data" outcome to [`Esc::Incomplete`] only when the data may continue.
fn short(more: bool, eof: bool) -> Esc {
    if more && !eof {
        Esc::Incomplete
    } else {
        Esc::No
    }
}

/// The escape at `hay[i]`, if any. `eof` says the data ends with `hay`.
pub(crate) fn escape_at(hay: &[u8], i: usize, eof: bool) -> Esc {
    match hay[i] {
        b'%' => match hex_n(hay, i + 1, 2) {
            Ok(v) => byte(3, v as u8),
            Err(more) => short(more, eof),
        },
        b'\\' => backslash(hay, i, eof),
        b'&' => reference(hay, i, eof),
        b'=' => match (hay.get(i + 1), hay.get(i + 2)) {
            (Some(b'\n'), _) if wrapped_line(hay, i) => Esc::Yes { len: 2, out: [0; 4], n: 0 },
            (Some(b'\r'), Some(b'\n')) if wrapped_line(hay, i) => Esc::Yes { len: 3, out: [0; 4], n: 0 },
            (Some(&a), Some(&b)) if qp_hex(a) && qp_hex(b) => byte(3, (hex(a).unwrap() * 16 + hex(b).unwrap()) as u8),
            (None, _) => short(true, eof),
            (Some(&a), None) if qp_hex(a) || a == b'\r' => short(true, eof),
            _ => Esc::No,
        },
        0xEF => full_width(hay, i, eof),
        _ => Esc::No,
    }
}

/// The fewest bytes on a line that a quoted-printable soft line break ends. Encoders break
/// lines only when they are nearly full (at most 76 characters, RFC 2045, 6.7); a shorter line
/// ending in `=` is a `key=` with its value on the next line.
pub(crate) const SOFT_BREAK_COLUMN: usize = 60;

/// Whether the `=` at `i` ends a line of at least [`SOFT_BREAK_COLUMN`] bytes.
fn wrapped_line(hay: &[u8], i: usize) -> bool {
    i >= SOFT_BREAK_COLUMN && memchr::memchr(b'\n', &hay[i - SOFT_BREAK_COLUMN..i]).is_none()
}

/// Quoted-printable writes hex digits in upper case (RFC 2045, 6.7).
fn qp_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'A'..=b'F').contains(&b)
}

/// `\u0040`, `\x40`, and the same with more backslashes (a JSON string inside a JSON string).
fn backslash(hay: &[u8], i: usize, eof: bool) -> Esc {
    let k = hay[i..].iter().take(MAX_BACKSLASHES + 1).take_while(|&&b| b == b'\\').count();
    if k > MAX_BACKSLASHES {
        return Esc::No;
    }
    let j = i + k;
    match hay.get(j) {
        None => short(true, eof),
        Some(b'x') => match hex_n(hay, j + 1, 2) {
            Ok(v) => yes(k + 3, v),
            Err(more) => short(more, eof),
        },
        Some(b'u') => match hex_n(hay, j + 1, 4) {
            Ok(hi @ 0xD800..=0xDBFF) => {
                // A surrogate pair: the low half must follow with as many backslashes.
                let lo_at = j + 5;
                let lo_k = hay[lo_at.min(hay.len())..].iter().take(k).take_while(|&&b| b == b'\\').count();
                let cut = lo_at + lo_k >= hay.len() || (lo_k == k && hay.len() < lo_at + k + 5);
                if cut && !eof {
                    return Esc::Incomplete;
                }
                if lo_k == k && hay.get(lo_at + k) == Some(&b'u') {
                    if let Ok(lo @ 0xDC00..=0xDFFF) = hex_n(hay, lo_at + k + 1, 4) {
                        let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        return yes(2 * (k + 5), c);
                    }
                }
                yes(k + 5, 0xFFFD)
            }
            Ok(v) => yes(k + 5, v),
            Err(more) => short(more, eof),
        },
        Some(_) => Esc::No,
    }
}

/// `&#64;`, `&#x40;` (the `;` may be missing, as browsers allow), `&commat;`.
fn reference(hay: &[u8], i: usize, eof: bool) -> Esc {
    let Some(&b) = hay.get(i + 1) else { return short(true, eof) };
    if b == b'#' {
        let (start, radix, max) = match hay.get(i + 2) {
            None => return short(true, eof),
            Some(b'x' | b'X') => (i + 3, 16, 6),
            Some(_) => (i + 2, 10, 7),
        };
        let digits =
            hay[start.min(hay.len())..].iter().take(max + 1).take_while(|&&b| (b as char).is_digit(radix)).count();
        let end = start + digits;
        if end >= hay.len() && digits <= max {
            return short(true, eof);
        }
        if digits == 0 || digits > max {
            return Esc::No;
        }
        let v = std::str::from_utf8(&hay[start..end]).ok().and_then(|s| u32::from_str_radix(s, radix).ok());
        let Some(v) = v else { return Esc::No };
        let len = end - i + usize::from(hay.get(end) == Some(&b';'));
        return yes(len, if v == 0 { 0xFFFD } else { v });
    }
    let name = hay[i + 1..].iter().take(14).take_while(|b| b.is_ascii_alphabetic()).count();
    let end = i + 1 + name;
    if end >= hay.len() && name < 14 {
        return short(true, eof);
    }
    if hay.get(end) != Some(&b';') {
        return Esc::No;
    }
    match NAMED.iter().find(|(n, _)| *n == &hay[i + 1..end]) {
        Some(&(_, c)) => yes(name + 2, c as u32),
        None => Esc::No,
    }
}

/// Full-width forms of ASCII (U+FF01–U+FF5E) and the small commercial at (U+FE6B), which
/// compatibility normalisation (NFKC) maps to ASCII. Only the punctuation starts a decoded
/// window ([`anchors_window`]); full-width digits are already read by the digit detectors.
fn full_width(hay: &[u8], i: usize, eof: bool) -> Esc {
    match (hay.get(i + 1), hay.get(i + 2)) {
        (Some(0xBC), Some(&c @ 0x81..=0xBF)) => byte(3, c - 0x81 + 0x21),
        (Some(0xBD), Some(&c @ 0x80..=0x9E)) => byte(3, c - 0x80 + 0x60),
        (Some(0xB9), Some(0xAB)) => byte(3, b'@'),
        (None, _) | (Some(0xBC | 0xBD | 0xB9), None) => short(true, eof),
        _ => Esc::No,
    }
}

/// Whether the quoted-printable escape `e` at `hay[i]` shows that the text is quoted-printable:
/// what encoders write and `key=value` text does not. `None` when the data ends too soon to
/// tell (and may go on).
/// - a soft line break (at the end of a filled line, see [`SOFT_BREAK_COLUMN`]);
/// - an encoded space or tab before a line end (`=20\n`, `=09=\n`: trailing whitespace);
/// - a non-ASCII character's bytes (`=C3=A9`: a lead byte, then a continuation byte);
/// - `=3D"` (an HTML attribute, `href=3D"…`).
///
/// `status=200` is not one (a space in mid-line is written as is), nor `port=8080`.
fn qp_signal(hay: &[u8], i: usize, e: Esc, eof: bool) -> Option<bool> {
    let Esc::Yes { len, out, n } = e else { return Some(false) };
    if n == 0 {
        return Some(true);
    }
    let next = i + len as usize;
    let need = |k: usize| if next + k > hay.len() && !eof { None } else { Some(hay.get(next..next + k)) };
    match out[0] {
        b' ' | b'\t' => Some(matches!(need(1)?, Some(b"\r" | b"\n")) || matches!(need(2)?, Some(b"=\n" | b"=\r"))),
        0xC2..=0xF4 => {
            Some(need(3)?.is_some_and(|t| t[0] == b'=' && matches!(t[1], b'8' | b'9' | b'A' | b'B') && qp_hex(t[2])))
        }
        b'=' => Some(matches!(need(1)?, Some(b"\"" | b"'"))),
        _ => Some(false),
    }
}

/// A quick test of the bytes after the `=` at `i` that rules out most `=` that are no
/// [`qp_signal`] (`status=200`, `port=8080`, `a = b`) without decoding them: it checks the
/// shape of each signal byte by byte. True when the data ends too soon to tell.
#[inline(always)]
pub(crate) fn qp_may_anchor(hay: &[u8], i: usize) -> bool {
    let at = |k: usize| hay.get(i + k).copied();
    let eol = |b: Option<u8>| matches!(b, None | Some(b'\r' | b'\n' | b'='));
    match (at(1), at(2)) {
        (None, _) | (Some(b'\r' | b'\n'), _) => true,
        (Some(b'2' | b'0' | b'3' | b'C'..=b'F'), None) => true,
        (Some(b'2'), Some(b'0')) | (Some(b'0'), Some(b'9')) => eol(at(3)),
        (Some(b'3'), Some(b'D')) => matches!(at(3), None | Some(b'"' | b'\'')),
        (Some(b'C'..=b'F'), Some(b)) => qp_hex(b) && matches!(at(3), None | Some(b'=')),
        _ => false,
    }
}

/// Whether the window is quoted-printable: it holds a [`qp_signal`]. Only `=` decides it,
/// never another encoding that a redaction could remove (a window read one way before
/// redaction and another after would not redact idempotently).
fn reads_as_qp(raw: &[u8]) -> bool {
    let mut at = 0;
    while let Some(i) = memchr::memchr(b'=', &raw[at..]).map(|k| at + k) {
        if qp_signal(raw, i, escape_at(raw, i, true), true) == Some(true) {
            return true;
        }
        at = i + 1;
    }
    false
}

/// Whether the escape `e` at `raw[i]` may start a decoded window; `None` when the data ends
/// too soon to tell. Full-width letters and digits do not (prose in full-width letters is not
/// an encoding, and the digit detectors read full-width digits); they are decoded when a window
/// around other escapes holds them. Nor does a quoted-printable escape other than a
/// [`qp_signal`]. Nor do the escapes of markup characters (`&amp;`, `&lt;`, `\u003c`,
/// `&quot;`): HTML and JSON written by many encoders are full of them, and they cannot hide a
/// value on their own.
pub(crate) fn anchors_window(raw: &[u8], i: usize, e: Esc, eof: bool) -> Option<bool> {
    let Esc::Yes { out, n, .. } = e else { return Some(false) };
    if raw[i] == b'=' {
        return qp_signal(raw, i, e, eof);
    }
    Some(match out[..n as usize].first() {
        Some(b'<' | b'>' | b'&' | b'"' | b'\'') => false,
        Some(b) if raw[i] == 0xEF => !b.is_ascii_alphanumeric(),
        _ => true,
    })
}

/// One escape of a [`Decoded`] buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Piece {
    /// Where its decoded bytes start.
    pub d: u32,
    /// Where its raw bytes start.
    pub r: u32,
    /// How many bytes it decodes to (0 for a soft line break).
    pub dl: u8,
    /// How many raw bytes it takes.
    pub rl: u8,
}

/// A raw window decoded: the bytes, and how to map each back to the raw bytes it came from.
#[derive(Debug, Default)]
pub(crate) struct Decoded {
    pub bytes: Vec<u8>,
    /// The escapes, in order (escape decoding); bytes between them are copied as they are.
    pub pieces: Vec<Piece>,
    /// Base64 decoding: every decoded byte comes from a group of four characters.
    base64: bool,
    raw_len: usize,
}

impl Decoded {
    fn clear(&mut self, raw_len: usize, base64: bool) {
        self.bytes.clear();
        self.pieces.clear();
        self.raw_len = raw_len;
        self.base64 = base64;
    }

    /// The raw `[start, end)` of decoded byte `k`, and whether it came from an escape.
    pub fn raw_of(&self, k: usize) -> (usize, usize, bool) {
        if self.base64 {
            let s = k / 3 * 4;
            return (s, (s + 4).min(self.raw_len), true);
        }
        // The last escape that starts at or before k (a soft break right before k included).
        match self.pieces[..self.pieces.partition_point(|p| p.d as usize <= k)].last() {
            None => (k, k + 1, false),
            Some(p) if k < (p.d + p.dl as u32) as usize => (p.r as usize, (p.r + p.rl as u32) as usize, true),
            Some(p) => {
                let r = (p.r + p.rl as u32) as usize + k - (p.d + p.dl as u32) as usize;
                (r, r + 1, false)
            }
        }
    }

    /// The raw span of decoded `[s, e)`.
    pub fn raw_span(&self, s: usize, e: usize) -> (usize, usize) {
        (self.raw_of(s).0, self.raw_of(e - 1).1)
    }

    /// Whether decoded `[s, e)` holds an escape whose raw bytes start at or after `from`
    /// (a soft line break counts when it lies strictly inside).
    pub fn covers_escape(&self, s: usize, e: usize, from: usize) -> bool {
        if self.base64 {
            return true;
        }
        let lo = self.pieces.partition_point(|p| (p.d + p.dl as u32) as usize <= s);
        self.pieces[lo..]
            .iter()
            .take_while(|p| (p.d as usize) < e)
            .any(|p| p.r as usize >= from && (p.dl > 0 || (p.d as usize) > s))
    }

    /// Whether decoded `[s, e)` starts right after an escape, or ends right before one, whose
    /// raw bytes start at or after `from`: a value after an encoded line break (`%0A4111…`,
    /// `\u000a4111…`) is glued to the escape in the raw bytes, so only the decoded text has it.
    pub fn touches_escape(&self, s: usize, e: usize, from: usize) -> bool {
        if self.base64 {
            return false;
        }
        let lo = self.pieces.partition_point(|p| ((p.d + p.dl as u32) as usize) < s);
        self.pieces[lo..]
            .iter()
            .take_while(|p| (p.d as usize) <= e)
            .any(|p| p.r as usize >= from && p.dl > 0 && ((p.d + p.dl as u32) as usize == s || p.d as usize == e))
    }

    /// Decodes every escape of `raw` (the data ends with `raw`: a cut escape is left as is).
    /// Quoted-printable `=HH` is decoded only where the window reads as quoted-printable
    /// ([`reads_as_qp`]): in `key=value` text `=40` is the start of a value. Returns whether
    /// it was read so.
    pub fn escapes(&mut self, raw: &[u8]) -> bool {
        let qp = reads_as_qp(raw);
        self.escapes_as(raw, qp);
        qp
    }

    /// [`Decoded::escapes`], reading `=` as quoted-printable or not as `qp` says.
    pub fn escapes_as(&mut self, raw: &[u8], qp: bool) {
        self.clear(raw.len(), false);
        let mut copied = 0;
        let mut at = 0;
        while let Some(i) = crate::simd::find_escape_lead(raw, at) {
            at = i + 1;
            if !qp && raw[i] == b'=' {
                continue;
            }
            if let Esc::Yes { len, out, n } = escape_at(raw, i, true) {
                self.bytes.extend_from_slice(&raw[copied..i]);
                self.pieces.push(Piece { d: self.bytes.len() as u32, r: i as u32, dl: n, rl: len });
                self.bytes.extend_from_slice(&out[..n as usize]);
                copied = i + len as usize;
                at = copied;
            }
        }
        self.bytes.extend_from_slice(&raw[copied..]);
    }

    /// Decodes a run of base64 characters (standard or URL-safe alphabet, padding optional).
    /// Each decoded byte maps to the four characters of its group. Returns whether the result
    /// reads as text (valid UTF-8 apart from a cut last character, almost no control bytes).
    pub fn base64(&mut self, raw: &[u8]) -> bool {
        self.clear(raw.len(), true);
        for s in (0..raw.len()).step_by(4) {
            let e = (s + 4).min(raw.len());
            let mut v = 0u32;
            let mut n = 0usize;
            for &c in &raw[s..e] {
                match b64_value(c) {
                    Some(x) => {
                        v = v << 6 | x;
                        n += 1;
                    }
                    None => break,
                }
            }
            // `n` characters carry n * 6 bits: 4 → 3 bytes, 3 → 2, 2 → 1.
            let x = v << (6 * (4 - n));
            let bytes = [(x >> 16) as u8, (x >> 8) as u8, x as u8];
            self.bytes.extend_from_slice(&bytes[..n.saturating_sub(1)]);
            if n < 4 {
                break;
            }
        }
        looks_like_text(&self.bytes)
    }
}

/// Whether the first sixteen characters of a base64 run (twelve bytes) may be text: no control
/// byte but tab, CR and LF, and valid UTF-8 as far as they go. Most runs of base64 characters
/// are keys, digests and identifiers, which decode to binary; this rejects them cheaply.
#[inline]
pub(crate) fn b64_prefix_may_be_text(raw: &[u8]) -> bool {
    let mut out = [0u8; 12];
    for q in 0..4 {
        let v = raw[4 * q..4 * q + 4].iter().fold(0u32, |v, &c| v << 6 | B64[c as usize] as u32 & 63);
        out[3 * q..3 * q + 3].copy_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
    }
    !out.iter().any(|&c| control(c)) && utf8_so_far(&out)
}

/// A control byte that text does not carry (tab, CR and LF are text).
fn control(c: u8) -> bool {
    (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r')) || c == 0x7F
}

/// Valid UTF-8, but for a character cut by the end.
fn utf8_so_far(b: &[u8]) -> bool {
    match std::str::from_utf8(b) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// Decoded bytes read as text: valid UTF-8 (a character cut at the end is allowed) and at most
/// one control byte (other than tab, CR, LF) in 32.
fn looks_like_text(b: &[u8]) -> bool {
    !b.is_empty() && utf8_so_far(b) && b.iter().filter(|&&c| control(c)).count() * 32 <= b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(raw: &str) -> String {
        let mut d = Decoded::default();
        d.escapes(raw.as_bytes());
        String::from_utf8(d.bytes).unwrap()
    }

    #[test]
    fn decodes_each_escape_kind() {
        assert_eq!(decode("jane%40example.com"), "jane@example.com");
        assert_eq!(decode("jane\\u0040example.com"), "jane@example.com");
        assert_eq!(decode("jane\\\\u0040example.com"), "jane@example.com");
        assert_eq!(decode("jane\\x40example.com"), "jane@example.com");
        assert_eq!(decode("jane&#64;example.com &#x40; &commat;"), "jane@example.com @ @");
        assert_eq!(decode("caf=C3=A9 jane=40example.com"), "café jane@example.com");
        let line = "Your card on file, as you asked us to confirm, is 4111 1111 11=\n11 1111";
        assert_eq!(decode(line), "Your card on file, as you asked us to confirm, is 4111 1111 1111 1111");
        assert_eq!(decode(&line.replace("=\n", "=\r\n")), decode(line));
        // A short line that ends in `=` is a key whose value follows.
        assert_eq!(decode("password=\nhunter2"), "password=\nhunter2");
        assert_eq!(decode("ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ"), "jane@example.com");
        assert_eq!(decode("jane﹫example.com"), "jane@example.com");
        assert_eq!(decode("\\ud83d\\ude00 caf%C3%A9"), "\u{1F600} café");
    }

    #[test]
    fn leaves_what_is_not_an_escape() {
        // `key=value` text is not quoted-printable.
        assert_eq!(decode("status=200 port=8080 dim=3D x=C3"), "status=200 port=8080 dim=3D x=C3");
        assert_eq!(decode("trailing=20\n<a href=3D\"x\">"), "trailing \n<a href=\"x\">");
        assert_eq!(decode("ssn=078%2D05%2D1120 id=41=3D"), "ssn=078-05-1120 id=41=3D");
        assert_eq!(decode("card=4012888888881881 phone=2125550147"), "card=4012888888881881 phone=2125550147");
        for s in ["100% sure", "a=b", "x=ab", "Tom & Jerry", "&unknown;", "C:\\Users\\me", "&#;", "\\u12", "=4", "%4"] {
            assert_eq!(decode(s), s);
        }
    }

    #[test]
    fn an_escape_cut_by_the_end_of_the_data_waits() {
        for s in ["%", "%4", "\\", "\\u00", "&", "&#6", "&comm", "=", "=4", "\u{FF20}"] {
            let b = s.as_bytes();
            let cut = if b[0] == 0xEF { &b[..2] } else { b };
            assert_eq!(escape_at(cut, 0, false), Esc::Incomplete, "{s:?}");
            assert_ne!(escape_at(cut, 0, true), Esc::Incomplete, "{s:?}");
        }
        assert_eq!(escape_at(b"\\ud83d", 0, false), Esc::Incomplete);
        assert_eq!(escape_at(b"%zz", 0, false), Esc::No);
        assert_eq!(escape_at(b"& ", 0, false), Esc::No);
    }

    #[test]
    fn spans_map_back_to_the_raw_bytes() {
        let mut d = Decoded::default();
        d.escapes(b"a%40b\\u0040c");
        assert_eq!(d.bytes, b"a@b@c");
        let spans: Vec<_> = (0..5).map(|k| d.raw_of(k)).collect();
        assert_eq!(spans, [(0, 1, false), (1, 4, true), (4, 5, false), (5, 11, true), (11, 12, false)]);
        assert!(d.covers_escape(0, 2, 0) && !d.covers_escape(2, 3, 0) && !d.covers_escape(0, 2, 4));
        // A soft line break covers the bytes around it.
        let n = SOFT_BREAK_COLUMN;
        let line = format!("{}=\nab", "x".repeat(n));
        d.escapes(line.as_bytes());
        assert_eq!(d.bytes.len(), n + 2);
        assert_eq!(d.raw_of(n), (n + 2, n + 3, false));
        assert!(d.covers_escape(n - 1, n + 1, 0) && !d.covers_escape(n, n + 2, 0));
        // A shorter line ending in `=` is a key before its value: nothing to decode.
        let line = format!("{}=\nab", "x".repeat(n - 1));
        d.escapes(line.as_bytes());
        assert_eq!(d.bytes, line.as_bytes());
    }

    #[test]
    fn base64_that_reads_as_text_is_decoded() {
        let mut d = Decoded::default();
        assert!(d.base64(b"amFuZUBleGFtcGxlLmNvbQ=="));
        assert_eq!(d.bytes, b"jane@example.com");
        assert_eq!(d.raw_of(0), (0, 4, true));
        assert!(d.base64(b"amFuZUBleGFtcGxlLmNvbQ"));
        assert_eq!(d.bytes, b"jane@example.com");
        assert_eq!(d.raw_of(15), (20, 22, true));
        // Random key material and hex digests decode to binary, as their first 16 characters show.
        assert!(!d.base64(b"MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"));
        assert!(!b64_prefix_may_be_text(b"MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"));
        assert!(!b64_prefix_may_be_text(b"9f86d081884c7d659a2feaa0c55ad015"));
        assert!(!b64_prefix_may_be_text(b"getElementsByTagNameNS"));
        assert!(b64_prefix_may_be_text(b"amFuZUBleGFtcGxlLmNvbQ"));
        assert!(!d.base64(b"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
    }
}
