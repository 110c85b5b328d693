//! Portable fallback for the byte-class scans.

#[inline]
pub(crate) fn find_digit_lead(hay: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?.iter().position(|&b| b.is_ascii_digit() || b == 0xEF).map(|p| p + from)
}
