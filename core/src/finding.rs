//! Findings: what a scan reports.

use std::ops::Range;
use std::sync::Arc;

/// One piece of sensitive data found in the input.
///
/// Offsets are bytes into the scanned input (for a stream, into everything pushed so far).
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The detector id (`"credit_card"`, or a custom id).
    pub detector: Arc<str>,
    /// Offset of the first byte.
    pub start: usize,
    /// Offset just past the last byte.
    pub end: usize,
    /// How sure the detector is, from 0 to 1.
    pub confidence: f32,
}

impl Finding {
    /// The byte range.
    pub fn span(&self) -> Range<usize> {
        self.start..self.end
    }

    /// The matched bytes of `hay`, the input this finding came from.
    ///
    /// # Panics
    /// If `hay` is shorter than the finding's end (it is not the scanned input).
    pub fn bytes<'h>(&self, hay: &'h [u8]) -> &'h [u8] {
        &hay[self.start..self.end]
    }
}
