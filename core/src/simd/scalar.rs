//! Portable fallback for the byte-class scans.

#[inline]
pub(crate) fn find_digit_lead(hay: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?.iter().position(|&b| b.is_ascii_digit() || b == 0xEF).map(|p| p + from)
}

#[inline]
pub(crate) fn find_escape_lead(hay: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?.iter().position(|&b| super::class::lead(b)).map(|p| p + from)
}

/// The start of the first run of at least `min` base64 characters in `hay[from..]` (a run
/// that began before `from` counts from `from`).
#[inline]
pub(crate) fn find_b64_run(hay: &[u8], from: usize, min: usize) -> Option<usize> {
    let mut run = 0;
    for (i, &b) in hay.iter().enumerate().skip(from) {
        if super::class::b64_char(b) {
            run += 1;
            if run >= min {
                return Some(i + 1 - run);
            }
        } else {
            run = 0;
        }
    }
    None
}

/// The end of the run of base64 characters that starts at `from`.
#[inline]
pub(crate) fn b64_run_end(hay: &[u8], from: usize) -> usize {
    from + hay[from..].iter().take_while(|&&b| super::class::b64_char(b)).count()
}
