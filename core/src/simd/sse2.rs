//! SSE2 versions of the byte-class scans (x86_64 baseline, always available).

use std::arch::x86_64::{
    __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    _mm_sub_epi8,
};

/// Bytes that may start an escape: `%`, `\\`, `&`, `=` and 0xEF (full-width forms).
#[inline]
pub(crate) fn find_escape_lead(hay: &[u8], from: usize) -> Option<usize> {
    let n = hay.len();
    let mut i = from;
    // SAFETY: SSE2 is enabled on every x86_64 target, so the intrinsics are available. Each
    // unaligned load reads the 16 bytes hay[i..i + 16], and the loop condition keeps
    // i + 16 <= hay.len(), so no read leaves the slice.
    unsafe {
        let pct = _mm_set1_epi8(b'%' as i8);
        let bsl = _mm_set1_epi8(b'\\' as i8);
        let amp = _mm_set1_epi8(b'&' as i8);
        let eq = _mm_set1_epi8(b'=' as i8);
        let ef = _mm_set1_epi8(0xEFu8 as i8);
        while i + 16 <= n {
            let v = _mm_loadu_si128(hay.as_ptr().add(i) as *const __m128i);
            let m = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(v, pct), _mm_cmpeq_epi8(v, bsl)),
                _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, amp), _mm_cmpeq_epi8(v, eq)), _mm_cmpeq_epi8(v, ef)),
            );
            let m = _mm_movemask_epi8(m) as u32;
            if m != 0 {
                return Some(i + m.trailing_zeros() as usize);
            }
            i += 16;
        }
    }
    super::scalar::find_escape_lead(hay, i)
}

/// One bit per byte of the 16 at `p`: whether it is a base64 character. Letters are matched
/// as one range after folding case (`| 0x20` maps `A-Z` onto `a-z` and no other byte into it).
///
/// # Safety
/// `p` must be valid for reading 16 bytes.
#[inline(always)]
unsafe fn b64_mask(p: *const u8) -> u32 {
    // SAFETY: the caller guarantees 16 readable bytes at `p`; SSE2 is baseline on x86_64.
    unsafe {
        let v = _mm_loadu_si128(p as *const __m128i);
        let in_range = |v: __m128i, lo: u8, span: u8| {
            let d = _mm_sub_epi8(v, _mm_set1_epi8(lo as i8));
            _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(span as i8)), d)
        };
        let alpha = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', 25);
        let sym = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'+' as i8)), _mm_cmpeq_epi8(v, _mm_set1_epi8(b'/' as i8))),
            _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'-' as i8)), _mm_cmpeq_epi8(v, _mm_set1_epi8(b'_' as i8))),
        );
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(alpha, in_range(v, b'0', 9)), sym)) as u32
    }
}

/// The end of the run of base64 characters that starts at `from`.
#[inline]
pub(crate) fn b64_run_end(hay: &[u8], from: usize) -> usize {
    let mut i = from;
    while i + 16 <= hay.len() {
        // SAFETY: i + 16 <= hay.len(), so the 16 bytes at hay[i] are readable.
        let m = unsafe { b64_mask(hay.as_ptr().add(i)) };
        if m != 0xFFFF {
            return i + (!m).trailing_zeros() as usize;
        }
        i += 16;
    }
    super::scalar::b64_run_end(hay, i)
}

/// The start of the first run of at least 16 base64 characters (`A-Z a-z 0-9 + / - _`) in
/// `hay[from..]`. Sixteen bytes at a time: the run that ends in a block is the run carried from
/// the blocks before plus the block's low ones, the run carried on is the block's high ones,
/// and a run inside a block, touching neither end, is shorter than 16.
#[inline]
pub(crate) fn find_b64_run16(hay: &[u8], from: usize) -> Option<usize> {
    find_b64_run16_carried(hay, from, 0)
}

/// [`find_b64_run16`] with a run of `run` base64 characters known to end at `from` (and to
/// start at or after where the search began).
#[inline]
pub(crate) fn find_b64_run16_carried(hay: &[u8], from: usize, run: usize) -> Option<usize> {
    let min = 16;
    let n = hay.len();
    let mut i = from;
    let mut run = run;
    // SAFETY: as in `find_escape_lead`: SSE2 is baseline on x86_64, and every load reads
    // hay[i..i + 16] with i + 16 <= hay.len().
    unsafe {
        while i + 16 <= n {
            let m = b64_mask(hay.as_ptr().add(i));
            if m == 0xFFFF {
                run += 16;
                if run >= min {
                    return Some(i + 16 - run);
                }
            } else {
                let low = (!m).trailing_zeros() as usize;
                if run + low >= min {
                    return Some(i - run);
                }
                run = (m << 16).leading_ones() as usize;
            }
            i += 16;
        }
    }
    // The tail, with the run carried into it.
    super::scalar::find_b64_run(hay, i - run, min)
}

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
