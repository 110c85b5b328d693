//! Vectorised byte-class scans for the prefilter lanes.
//!
//! The digit lane needs "the next byte that is an ASCII digit or 0xEF" (0xEF leads the UTF-8 of
//! full-width digits U+FF10–U+FF19). memchr has no range search, so this module provides one.
//! On x86_64 it uses SSE2, which is part of the architecture's baseline, so no runtime CPU
//! detection is needed; elsewhere a portable scalar loop is used. Both are tested against
//! each other.

mod scalar;
#[cfg(target_arch = "x86_64")]
mod sse2;

/// Position of the first byte at or after `from` that is `b'0'..=b'9'` or `0xEF`.
#[inline]
pub(crate) fn find_digit_lead(hay: &[u8], from: usize) -> Option<usize> {
    if from >= hay.len() {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    {
        sse2::find_digit_lead(hay, from)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        scalar::find_digit_lead(hay, from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_digits_and_ef_at_every_offset() {
        for len in 0..70 {
            for pos in 0..len {
                for b in [b'0', b'5', b'9', 0xEF] {
                    let mut hay = vec![b'a'; len];
                    hay[pos] = b;
                    for from in 0..=len {
                        let want = if from <= pos { Some(pos) } else { None };
                        assert_eq!(find_digit_lead(&hay, from), want, "len {len} pos {pos} from {from}");
                    }
                }
            }
        }
        let edges = [b'/', b':', 0xEE, 0xF0, 0x80, 0xFF, 0x00];
        assert_eq!(find_digit_lead(&edges.repeat(9), 0), None);
    }

    proptest! {
        #[test]
        fn simd_equals_scalar(hay in proptest::collection::vec(any::<u8>(), 0..200), from in 0usize..210) {
            prop_assert_eq!(find_digit_lead(&hay, from), scalar::find_digit_lead(&hay, from));
        }
    }
}
