//! The byte classes of the decoding lanes, shared by their scans and by the decoder.

/// Base64 character values, either alphabet; 0xFF for other bytes.
pub(crate) const B64: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    t[b'+' as usize] = 62;
    t[b'-' as usize] = 62;
    t[b'/' as usize] = 63;
    t[b'_' as usize] = 63;
    t
};

/// The value of a base64 character, either alphabet.
#[inline]
pub(crate) fn b64_value(c: u8) -> Option<u32> {
    let v = B64[c as usize];
    (v != 0xFF).then_some(v as u32)
}

/// The characters a base64 run is made of (`=` only pads its end).
#[inline]
pub(crate) fn b64_char(c: u8) -> bool {
    B64[c as usize] != 0xFF
}

/// Whether `b` can start an escape (`crate::decode::escape_at` reads the rest): `%`, `\\`,
/// `&`, `=` and 0xEF, the lead byte of the full-width forms.
#[inline]
pub(crate) fn lead(b: u8) -> bool {
    matches!(b, b'%' | b'\\' | b'&' | b'=' | 0xEF)
}
