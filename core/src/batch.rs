//! Batch scanning: many inputs at once, on every core.
//!
//! Rows are cut into blocks of about equal work ([`blocks`]: at most [`BLOCK_ROWS`] rows and
//! about [`BLOCK_BYTES`] bytes each) and the blocks run on rayon's thread pool. Each block's
//! result is built by one thread, so a caller that turns findings into its own format (column
//! buffers, objects of another language) does that work in parallel too ([`map_blocks`]);
//! [`Scanner::scan_many`] is the plain form.

use crate::finding::Finding;
use crate::scanner::Scanner;
use rayon::prelude::*;
use std::ops::Range;

/// Rows per block, at most.
pub const BLOCK_ROWS: usize = 512;
/// Bytes per block, about (a longer row is a block of its own).
pub const BLOCK_BYTES: usize = 128 * 1024;

/// Consecutive ranges of row indices covering `0..sizes.len()`, each of at most
/// [`BLOCK_ROWS`] rows and, but for a single longer row, at most about [`BLOCK_BYTES`] bytes.
/// `sizes` yields each row's length in bytes (0 for a missing row).
///
/// ```
/// let blocks = dlpjet::batch::blocks([10usize; 1000]);
/// assert_eq!(blocks, [0..512, 512..1000]);
/// assert_eq!(dlpjet::batch::blocks([1 << 20, 5, 5]), [0..1, 1..3]);
/// ```
pub fn blocks(sizes: impl IntoIterator<Item = usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut bytes, mut n) = (0, 0, 0);
    for (i, len) in sizes.into_iter().enumerate() {
        n = i + 1;
        bytes += len;
        if n - start >= BLOCK_ROWS || bytes >= BLOCK_BYTES {
            out.push(start..n);
            (start, bytes) = (n, 0);
        }
    }
    if start < n {
        out.push(start..n);
    }
    out
}

/// Runs `f` on every block of rows (see [`blocks`]) in parallel and returns the results in
/// block order. `f` gets the block's range of row indices.
///
/// ```
/// let rows: Vec<&[u8]> = vec![b"card 4111 1111 1111 1111", b"nothing", b"ssn 123-45-6789"];
/// let scanner = dlpjet::Scanner::new();
/// let counts = dlpjet::batch::map_blocks(rows.iter().map(|r| r.len()), |block| {
///     rows[block].iter().map(|r| scanner.scan(r).len()).collect::<Vec<_>>()
/// });
/// assert_eq!(counts.concat(), [1, 0, 1]);
/// ```
pub fn map_blocks<R, F>(sizes: impl IntoIterator<Item = usize>, f: F) -> Vec<R>
where
    R: Send,
    F: Fn(Range<usize>) -> R + Sync + Send,
{
    blocks(sizes).into_par_iter().map(f).collect()
}

impl Scanner {
    /// Scans every row, in parallel on rayon's thread pool; the findings of row `i` are at
    /// index `i`, exactly what [`Scanner::scan`] gives for it.
    ///
    /// ```
    /// let scanner = dlpjet::Scanner::new();
    /// let found = scanner.scan_many(&[&b"mail jane@example.org"[..], b"", b"4111 1111 1111 1111"]);
    /// assert_eq!(found.iter().map(Vec::len).collect::<Vec<_>>(), [1, 0, 1]);
    /// ```
    pub fn scan_many<R: AsRef<[u8]> + Sync>(&self, rows: &[R]) -> Vec<Vec<Finding>> {
        map_blocks(rows.iter().map(|r| r.as_ref().len()), |block| {
            rows[block].iter().map(|r| self.scan(r.as_ref())).collect::<Vec<_>>()
        })
        .into_iter()
        .flatten()
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_every_row_once_in_order() {
        for sizes in [vec![], vec![0], vec![3; 511], vec![3; 512], vec![3; 513], vec![200_000, 1, 200_000, 1]] {
            let b = blocks(sizes.iter().copied());
            let covered: Vec<usize> = b.iter().flat_map(|r| r.clone()).collect();
            assert_eq!(covered, (0..sizes.len()).collect::<Vec<_>>(), "{sizes:?}");
            assert!(b.iter().all(|r| !r.is_empty() && r.len() <= BLOCK_ROWS));
        }
    }

    #[test]
    fn a_block_holds_about_block_bytes() {
        let b = blocks(std::iter::repeat_n(1000, 1000));
        assert_eq!(b[0], 0..BLOCK_BYTES.div_ceil(1000));
        assert_eq!(blocks([BLOCK_BYTES * 2, 1, 1]), [0..1, 1..3]);
    }

    #[test]
    fn scan_many_equals_scan_row_by_row() {
        let scanner = Scanner::new();
        let rows: Vec<String> = (0..2000)
            .map(|i| match i % 4 {
                0 => format!("row {i} card 4111 1111 1111 1111"),
                1 => format!("row {i} mail user{i}@example.org"),
                2 => String::new(),
                _ => "x".repeat(i * 100),
            })
            .collect();
        let many = scanner.scan_many(&rows);
        assert_eq!(many.len(), rows.len());
        for (row, found) in rows.iter().zip(&many) {
            assert_eq!(found, &scanner.scan(row.as_bytes()));
        }
    }
}
