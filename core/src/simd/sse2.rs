//! SSE2 versions of the byte-class scans (x86_64 baseline, always available).

use std::arch::x86_64::{
    __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    _mm_sub_epi8,
};

#[inline]
pub(crate) fn find_digit_lead(hay: &[u8], from: usize) -> Option<usize> {
    let n = hay.len();
    let mut i = from;
    // SAFETY: SSE2 is enabled on every x86_64 target, so the intrinsics are available. Each
    // unaligned load reads the 16 bytes hay[i..i + 16], and the loop condition keeps
    // i + 16 <= hay.len(), so no read leaves the slice.
    unsafe {
        let zero = _mm_set1_epi8(b'0' as i8);
        let nine = _mm_set1_epi8(9);
        let ef = _mm_set1_epi8(0xEFu8 as i8);
        let class = |v: __m128i| {
            let d = _mm_sub_epi8(v, zero);
            let digit = _mm_cmpeq_epi8(_mm_min_epu8(d, nine), d);
            _mm_movemask_epi8(_mm_or_si128(digit, _mm_cmpeq_epi8(v, ef))) as u32
        };
        while i + 32 <= n {
            let p = hay.as_ptr().add(i);
            let a = class(_mm_loadu_si128(p as *const __m128i));
            let b = class(_mm_loadu_si128(p.add(16) as *const __m128i));
            let m = a | (b << 16);
            if m != 0 {
                return Some(i + m.trailing_zeros() as usize);
            }
            i += 32;
        }
        while i + 16 <= n {
            let m = class(_mm_loadu_si128(hay.as_ptr().add(i) as *const __m128i));
            if m != 0 {
                return Some(i + m.trailing_zeros() as usize);
            }
            i += 16;
        }
    }
    super::scalar::find_digit_lead(hay, i)
}
