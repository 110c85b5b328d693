//! ISO 7064 MOD 97-10, the IBAN check.

/// Whether `value` (an IBAN, spaces allowed and ignored) passes the mod-97 check.
///
/// Only the characters are checked, not the country's length; letters must be upper case.
///
/// ```
/// assert!(dlpjet::validate::iban_mod97_valid(b"GB82 WEST 1234 5698 7654 32"));
/// assert!(!dlpjet::validate::iban_mod97_valid(b"GB82 WEST 1234 5698 7654 33"));
/// ```
pub fn iban_mod97_valid(value: &[u8]) -> bool {
    let mut n = 0usize;
    let mut rem = 0u32;
    // Rotate the first four characters to the end without allocating: two passes.
    let body = value.iter().copied().filter(|&b| b != b' ');
    let head: [u8; 4] = {
        let mut h = [0u8; 4];
        let mut k = 0;
        for b in value.iter().copied().filter(|&b| b != b' ') {
            if k == 4 {
                break;
            }
            h[k] = b;
            k += 1;
        }
        if k < 4 {
            return false;
        }
        h
    };
    for b in body.skip(4).chain(head) {
        n += 1;
        rem = match b {
            b'0'..=b'9' => (rem * 10 + (b - b'0') as u32) % 97,
            b'A'..=b'Z' => (rem * 100 + (b - b'A' + 10) as u32) % 97,
            _ => return false,
        };
    }
    n >= 15 && rem == 1
}

#[cfg(test)]
mod tests {
    use super::iban_mod97_valid;

    #[test]
    fn table() {
        let cases: [(&[u8], bool); 7] = [
            (b"DE89370400440532013000", true),
            (b"DE89 3704 0044 0532 0130 00", true),
            (b"DE89370400440532013001", false),
            (b"NL91ABNA0417164300", true),
            (b"FR1420041010050500013M02606", true),
            (b"de89370400440532013000", false),
            (b"DE8", false),
        ];
        for (s, want) in cases {
            assert_eq!(iban_mod97_valid(s), want, "{}", String::from_utf8_lossy(s));
        }
    }
}
