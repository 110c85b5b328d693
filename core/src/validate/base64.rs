//! A tiny allocation-free base64url decoder for JWT headers.

/// Decodes unpadded base64url `src` into `dst`, returning the decoded length, or `None` if
/// `src` has a byte outside the alphabet, an impossible length, or does not fit in `dst`.
pub(crate) fn decode_url(src: &[u8], dst: &mut [u8]) -> Option<usize> {
    fn val(b: u8) -> Option<u32> {
        Some(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        } as u32)
    }
    let src = match src.iter().position(|&b| b == b'=') {
        Some(p) => &src[..p],
        None => src,
    };
    if src.len() % 4 == 1 {
        return None;
    }
    let out_len = src.len() / 4 * 3 + (src.len() % 4).saturating_sub(1);
    if out_len > dst.len() {
        return None;
    }
    let mut o = 0;
    for chunk in src.chunks(4) {
        let mut acc = 0u32;
        for (i, &b) in chunk.iter().enumerate() {
            acc |= val(b)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        let n = chunk.len() - 1;
        dst[o..o + n].copy_from_slice(&bytes[1..1 + n]);
        o += n;
    }
    Some(o)
}

#[cfg(test)]
mod tests {
    use super::decode_url;

    #[test]
    fn decodes_jwt_header() {
        let mut buf = [0u8; 64];
        let n = decode_url(b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", &mut buf).unwrap();
        assert_eq!(&buf[..n], br#"{"alg":"HS256","typ":"JWT"}"#);
        assert_eq!(decode_url(b"Zg", &mut buf), Some(1));
        assert_eq!(decode_url(b"Z", &mut buf), None);
        assert_eq!(decode_url(b"Zm9v!", &mut buf), None);
        assert_eq!(decode_url(b"Zm9vYmFy", &mut [0u8; 2]), None);
    }
}
