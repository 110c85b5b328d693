//! The Luhn (mod 10) checksum used by payment card numbers.

/// Whether `digits` (values 0-9, most significant first) pass the Luhn check.
///
/// ```
/// assert!(dlpjet::validate::luhn_valid(&[4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2]));
/// assert!(!dlpjet::validate::luhn_valid(&[4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 3]));
/// ```
pub fn luhn_valid(digits: &[u8]) -> bool {
    const DOUBLED: [u8; 10] = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let d = d as usize % 10;
        sum += if i % 2 == 1 { DOUBLED[d] } else { d as u8 } as u32;
    }
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::luhn_valid;

    fn digits(s: &str) -> Vec<u8> {
        s.bytes().map(|b| b - b'0').collect()
    }

    #[test]
    fn table() {
        let cases = [
            ("4111111111111111", true),
            ("4111111111111112", false),
            ("378282246310005", true),
            ("378282246310006", false),
            ("5555555555554444", true),
            ("6011111111111117", true),
            ("3530111333300000", true),
            ("30569309025904", true),
            ("6200000000000005", true),
            ("79927398713", true),
            ("79927398710", false),
            ("0", true),
        ];
        for (s, want) in cases {
            assert_eq!(luhn_valid(&digits(s)), want, "{s}");
        }
    }
}
