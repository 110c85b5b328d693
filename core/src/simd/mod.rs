//! Vectorised byte-class scans for the prefilter lanes.
//!
//! The digit lane needs "the next byte that is an ASCII digit or 0xEF" (0xEF leads the UTF-8 of
//! full-width digits U+FF10–U+FF19). memchr has no range search, so this module provides one.
//! On x86_64 it uses SSE2, which is part of the architecture's baseline, so no runtime CPU
//! detection is needed; elsewhere a portable scalar loop is used. The decoding lanes' scans
//! (escape leads, runs of base64 characters) use AVX2 where the CPU has it, found at run time.
//! Every version is tested against the scalar one.

#[cfg(target_arch = "x86_64")]
mod avx2;
pub(crate) mod class;
mod scalar;
#[cfg(target_arch = "x86_64")]
mod sse2;

/// Whether the CPU has AVX2 (the standard library caches the answer).
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2")
}

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

/// Position of the first byte at or after `from` that may start an escape
/// ([`class::lead`]).
#[inline]
pub(crate) fn find_escape_lead(hay: &[u8], from: usize) -> Option<usize> {
    if from >= hay.len() {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2() {
            // SAFETY: the CPU has AVX2.
            return unsafe { avx2::find_escape_lead(hay, from) };
        }
        sse2::find_escape_lead(hay, from)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        scalar::find_escape_lead(hay, from)
    }
}

/// [`find_escape_lead`] for callers compiled with AVX2 themselves, so that it is inlined there.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn find_escape_lead_avx2(hay: &[u8], from: usize) -> Option<usize> {
    if from >= hay.len() {
        return None;
    }
    // SAFETY: the CPU has AVX2 (the caller's promise).
    unsafe { avx2::find_escape_lead(hay, from) }
}

/// The start of the first run of at least 16 base64 characters in `hay[from..]`; a run that
/// began before `from` counts from `from`.
#[inline]
pub(crate) fn find_b64_run16(hay: &[u8], from: usize) -> Option<usize> {
    if from >= hay.len() {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2() {
            // SAFETY: the CPU has AVX2.
            unsafe { avx2::find_b64_run16(hay, from) }
        } else {
            sse2::find_b64_run16(hay, from)
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        scalar::find_b64_run(hay, from, 16)
    }
}

/// The end of the run of base64 characters that starts at `from` (`from` itself when none).
#[inline]
pub(crate) fn b64_run_end(hay: &[u8], from: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2() {
            // SAFETY: the CPU has AVX2.
            unsafe { avx2::b64_run_end(hay, from) }
        } else {
            sse2::b64_run_end(hay, from)
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        scalar::b64_run_end(hay, from)
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

        #[test]
        fn escape_scan_equals_scalar(hay in proptest::collection::vec(prop_oneof![any::<u8>(), Just(b'%'), Just(b'a')], 0..200), from in 0usize..210) {
            prop_assert_eq!(find_escape_lead(&hay, from), scalar::find_escape_lead(&hay, from));
            #[cfg(target_arch = "x86_64")]
            if from < hay.len() {
                prop_assert_eq!(sse2::find_escape_lead(&hay, from), scalar::find_escape_lead(&hay, from));
            }
        }

        #[test]
        fn b64_scan_equals_scalar(
            hay in proptest::collection::vec(prop_oneof![8 => Just(b'a'), 1 => Just(b'Z'), 1 => Just(b'7'), 1 => Just(b'+'), 1 => Just(b'_'), 1 => Just(b' '), 1 => any::<u8>()], 0..200),
            from in 0usize..210,
        ) {
            prop_assert_eq!(find_b64_run16(&hay, from), scalar::find_b64_run(&hay, from, 16));
            let from = from.min(hay.len());
            prop_assert_eq!(b64_run_end(&hay, from), scalar::b64_run_end(&hay, from));
            // The baseline versions too, whichever the CPU uses.
            #[cfg(target_arch = "x86_64")]
            {
                prop_assert_eq!(sse2::find_b64_run16(&hay, from), scalar::find_b64_run(&hay, from, 16));
                prop_assert_eq!(sse2::b64_run_end(&hay, from), scalar::b64_run_end(&hay, from));
            }
        }
    }
}
