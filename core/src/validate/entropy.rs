//! Shannon entropy of a byte string, used to tell secrets from words and placeholders.

/// Shannon entropy of `value` in bits per byte (0 for an empty value).
///
/// ```
/// assert_eq!(dlpjet::validate::shannon_entropy(b"aaaa"), 0.0);
/// assert!(dlpjet::validate::shannon_entropy(b"q8Zr2LmX0vTn5Ke7") > 3.5);
/// ```
pub fn shannon_entropy(value: &[u8]) -> f32 {
    if value.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in value {
        counts[b as usize] += 1;
    }
    let n = value.len() as f32;
    let mut h = 0.0f32;
    for &c in counts.iter().filter(|&&c| c > 0) {
        let p = c as f32 / n;
        h -= p * p.log2();
    }
    h
}

#[cfg(test)]
mod tests {
    use super::shannon_entropy;

    #[test]
    fn table() {
        assert_eq!(shannon_entropy(b""), 0.0);
        assert_eq!(shannon_entropy(b"zzzzzz"), 0.0);
        assert!((shannon_entropy(b"ab") - 1.0).abs() < 1e-6);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-6);
        assert!(shannon_entropy(b"changeme") < 3.0);
        assert!(shannon_entropy(b"9fK2mQx7Lp3RvZ8t") > 3.5);
    }
}
