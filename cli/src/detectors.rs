//! Building the scanner from the command line's detector options.

use crate::args::DetectorArgs;
use anyhow::Context;
use dlpjet::Scanner;

pub fn scanner(a: &DetectorArgs) -> anyhow::Result<Scanner> {
    let mut b = Scanner::builder();
    if !a.detectors.is_empty() {
        b = b.only(a.detectors.iter().map(|s| s.trim().to_string()));
    }
    if !a.exclude_detectors.is_empty() {
        b = b.exclude(a.exclude_detectors.iter().map(|s| s.trim().to_string()));
    }
    if let Some(c) = a.min_confidence {
        b = b.min_confidence(c);
    }
    b.build().context("invalid detector options")
}
