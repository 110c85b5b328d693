//! AVX2 versions of the decoding lanes' scans, 32 bytes at a time. Used only after
//! `is_x86_feature_detected!("avx2")` said the CPU has AVX2 (see `simd/mod.rs`).

use std::arch::x86_64::{
    __m256i, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256,
    _mm256_set1_epi8, _mm256_setzero_si256, _mm256_shuffle_epi8, _mm256_srli_epi16,
};

/// Bytes that may start an escape: `%`, `\`, `&`, `=` and 0xEF.
///
/// # Safety
/// The CPU must support AVX2.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn find_escape_lead(hay: &[u8], from: usize) -> Option<usize> {
    let n = hay.len();
    let mut i = from;
    let pct = _mm256_set1_epi8(b'%' as i8);
    let bsl = _mm256_set1_epi8(b'\\' as i8);
    let amp = _mm256_set1_epi8(b'&' as i8);
    let eq = _mm256_set1_epi8(b'=' as i8);
    let ef = _mm256_set1_epi8(0xEFu8 as i8);
    while i + 32 <= n {
        // SAFETY: i + 32 <= hay.len(), so the 32 bytes at hay[i] are readable.
        let v = unsafe { _mm256_loadu_si256(hay.as_ptr().add(i) as *const __m256i) };
        let m = _mm256_or_si256(
            _mm256_or_si256(_mm256_cmpeq_epi8(v, pct), _mm256_cmpeq_epi8(v, bsl)),
            _mm256_or_si256(
                _mm256_or_si256(_mm256_cmpeq_epi8(v, amp), _mm256_cmpeq_epi8(v, eq)),
                _mm256_cmpeq_epi8(v, ef),
            ),
        );
        let m = _mm256_movemask_epi8(m) as u32;
        if m != 0 {
            return Some(i + m.trailing_zeros() as usize);
        }
        i += 32;
    }
    super::sse2::find_escape_lead(hay, i)
}

/// The nibble tables of [`b64_mask!`], made once per call: a byte is a base64 character
/// when the flags of its low nibble and of its high nibble share a bit.
///
/// | bit | high nibble | low nibbles |
/// |---|---|---|
/// | 0 | 2 | B, D, F (`+ - /`) |
/// | 1 | 3 | 0–9 (digits) |
/// | 2 | 4, 6 | 1–F (`A-O`, `a-o`) |
/// | 3 | 5, 7 | 0–A (`P-Z`, `p-z`) |
/// | 4 | 5 | F (`_`) |
struct B64Consts {
    lo: __m256i,
    hi: __m256i,
    nibble: __m256i,
}

/// Builds the tables.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
unsafe fn b64_consts() -> B64Consts {
    let mut lo = [0u8; 16];
    for (l, f) in lo.iter_mut().enumerate() {
        *f = u8::from(matches!(l, 0xB | 0xD | 0xF))
            | u8::from(l <= 9) << 1
            | u8::from(l >= 1) << 2
            | u8::from(l <= 0xA) << 3
            | u8::from(l == 0xF) << 4;
    }
    let mut hi = [0u8; 16];
    hi[2] = 1;
    hi[3] = 2;
    hi[4] = 4;
    hi[6] = 4;
    hi[5] = 8 | 16;
    hi[7] = 8;
    let both = |t: [u8; 16]| {
        let mut w = [0u8; 32];
        w[..16].copy_from_slice(&t);
        w[16..].copy_from_slice(&t);
        // SAFETY: `w` is 32 readable bytes.
        unsafe { _mm256_loadu_si256(w.as_ptr() as *const __m256i) }
    };
    B64Consts { lo: both(lo), hi: both(hi), nibble: _mm256_set1_epi8(0x0F) }
}

/// One bit per byte of the 32 at `$p`: whether it is a base64 character, by the nibble tables
/// of [`B64Consts`]. A macro, not a function: the intrinsics must be expanded inside the
/// caller's `#[target_feature(enable = "avx2")]` body to be compiled as AVX2 instructions.
/// The caller must guarantee 32 readable bytes at `$p`.
macro_rules! b64_mask {
    ($k:expr, $p:expr) => {{
        let k = $k;
        // SAFETY: the caller guarantees 32 readable bytes at `$p`.
        let v = unsafe { _mm256_loadu_si256($p as *const __m256i) };
        let lo = _mm256_shuffle_epi8(k.lo, _mm256_and_si256(v, k.nibble));
        let hi = _mm256_shuffle_epi8(k.hi, _mm256_and_si256(_mm256_srli_epi16::<4>(v), k.nibble));
        let none = _mm256_cmpeq_epi8(_mm256_and_si256(lo, hi), _mm256_setzero_si256());
        !(_mm256_movemask_epi8(none) as u32)
    }};
}

/// The start of the first run of at least 16 base64 characters in `hay[from..]`.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn find_b64_run16(hay: &[u8], from: usize) -> Option<usize> {
    let n = hay.len();
    let mut i = from;
    let mut run = 0usize;
    // SAFETY: AVX2 is there (the caller's promise).
    let k = unsafe { b64_consts() };
    // 64 bytes a step: two masks, one test for a run.
    while i + 64 <= n {
        // i + 64 <= hay.len(): 64 readable bytes.
        let m = b64_mask!(&k, hay.as_ptr().add(i)) as u64 | (b64_mask!(&k, hay.as_ptr().add(i + 32)) as u64) << 32;
        if m == u64::MAX {
            run += 64;
            return Some(i + 64 - run);
        }
        let low = (!m).trailing_zeros() as usize;
        if run + low >= 16 {
            return Some(i - run);
        }
        // Bit j of `x` is set when bits j..j + 16 of `m` all are (a run that reaches bit 63 is
        // carried into the next block instead).
        let mut x = m & (m >> 1);
        x &= x >> 2;
        x &= x >> 4;
        x &= x >> 8;
        if x != 0 {
            return Some(i + x.trailing_zeros() as usize);
        }
        run = m.leading_ones() as usize;
        i += 64;
    }
    while i + 32 <= n {
        // i + 32 <= hay.len(): 32 readable bytes.
        let m = b64_mask!(&k, hay.as_ptr().add(i));
        if m == u32::MAX {
            run += 32;
            return Some(i + 32 - run);
        }
        let low = (!m).trailing_zeros() as usize;
        if run + low >= 16 {
            return Some(i - run);
        }
        // A run of 16 that touches neither end of the block holds bits 15 and 16: the ones
        // down from bit 15 and up from bit 16. (A run that touches bit 0 was `low`; one that
        // touches bit 31 is carried into the next block.)
        let down = (m << 16).leading_ones() as usize;
        if down + (m >> 16).trailing_ones() as usize >= 16 {
            return Some(i + 16 - down);
        }
        run = m.leading_ones() as usize;
        i += 32;
    }
    super::sse2::find_b64_run16_carried(hay, i, run)
}

/// The end of the run of base64 characters that starts at `from`.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn b64_run_end(hay: &[u8], from: usize) -> usize {
    let mut i = from;
    // SAFETY: AVX2 is there (the caller's promise).
    let k = unsafe { b64_consts() };
    while i + 32 <= hay.len() {
        // i + 32 <= hay.len(): 32 readable bytes.
        let m = b64_mask!(&k, hay.as_ptr().add(i));
        if m != u32::MAX {
            return i + (!m).trailing_zeros() as usize;
        }
        i += 32;
    }
    super::sse2::b64_run_end(hay, i)
}
