//! Precision, recall and F1 per detector against ground truth.

use crate::Label;
use dlpjet::{Finding, Scanner};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;

/// Counts for one detector.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Findings that match a planted value exactly (detector and span).
    pub tp: usize,
    /// Findings that match no planted value.
    pub fp: usize,
    /// Planted values not found.
    pub fn_: usize,
}

impl Counts {
    /// tp / (tp + fp), or 1 when nothing was found.
    pub fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }

    /// tp / (tp + fn), or 1 when nothing was planted.
    pub fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        }
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// A finding on a hard negative.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NegativeHit {
    /// The file.
    pub file: String,
    /// The negative's kind.
    pub kind: String,
    /// The detector that fired.
    pub detector: String,
}

/// The evaluation of a scan against ground truth.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Per-detector counts.
    pub per_detector: BTreeMap<String, Counts>,
    /// Findings that overlap a hard negative.
    pub negative_hits: Vec<NegativeHit>,
    /// Up to 20 false positives and negatives, for debugging: (file, detector, start, end, what).
    pub examples: Vec<(String, String, usize, usize, &'static str)>,
}

impl Report {
    /// The first misses, false positives and negative hits, one per line, for debugging.
    pub fn details(&self) -> String {
        let mut s = String::new();
        for (file, det, start, end, what) in &self.examples {
            s.push_str(&format!("  {what}: {det} {file}:{start}..{end}\n"));
        }
        for h in self.negative_hits.iter().take(20) {
            s.push_str(&format!("  negative hit: {} fired on {} in {}\n", h.detector, h.kind, h.file));
        }
        s
    }

    /// The lowest F1 over the detectors with planted values.
    pub fn min_f1(&self) -> f64 {
        self.per_detector.values().map(Counts::f1).fold(1.0, f64::min)
    }
}

/// Scans every file named in `truth` (paths relative to `dir`) with `scanner` and compares the
/// findings with the labels.
///
/// # Errors
/// A file that cannot be read, named in the message.
pub fn evaluate_dir(truth: &[Label], dir: &Path, scanner: &Scanner) -> std::io::Result<Report> {
    let mut names: Vec<&str> = truth.iter().map(|l| l.file.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let mut findings = HashMap::new();
    for name in names {
        let p = dir.join(name);
        let data = std::fs::read(&p).map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", p.display())))?;
        findings.insert(name.to_string(), scanner.scan(&data));
    }
    Ok(evaluate(truth, &findings))
}

/// Compares findings per file with the truth labels.
pub fn evaluate(truth: &[Label], findings: &HashMap<String, Vec<Finding>>) -> Report {
    let mut r = Report::default();
    let mut planted: HashSet<(&str, &str, usize, usize)> = HashSet::new();
    for l in truth {
        if let Some(d) = &l.detector {
            planted.insert((&l.file, d, l.start, l.end));
            r.per_detector.entry(d.clone()).or_default();
        }
    }
    let mut matched: HashSet<(&str, &str, usize, usize)> = HashSet::new();
    for (file, fs) in findings {
        for f in fs {
            let key = (file.as_str(), &*f.detector, f.start, f.end);
            let c = r.per_detector.entry(f.detector.to_string()).or_default();
            if let Some(k) = planted.get(&key) {
                c.tp += 1;
                matched.insert(*k);
            } else {
                c.fp += 1;
                if r.examples.len() < 20 {
                    r.examples.push((file.clone(), f.detector.to_string(), f.start, f.end, "false positive"));
                }
            }
            for l in truth.iter().filter(|l| l.negative.is_some() && &l.file == file) {
                if f.start < l.end && l.start < f.end {
                    r.negative_hits.push(NegativeHit {
                        file: file.clone(),
                        kind: l.negative.clone().unwrap_or_default(),
                        detector: f.detector.to_string(),
                    });
                }
            }
        }
    }
    for k in &planted {
        if !matched.contains(k) {
            r.per_detector.get_mut(k.1).expect("planted detectors have rows").fn_ += 1;
            if r.examples.len() < 20 {
                r.examples.push((k.0.to_string(), k.1.to_string(), k.2, k.3, "missed"));
            }
        }
    }
    r
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<24} {:>7} {:>6} {:>6} {:>9} {:>7} {:>7}",
            "detector", "tp", "fp", "fn", "precision", "recall", "f1"
        )?;
        for (d, c) in &self.per_detector {
            writeln!(
                f,
                "{:<24} {:>7} {:>6} {:>6} {:>9.4} {:>7.4} {:>7.4}",
                d,
                c.tp,
                c.fp,
                c.fn_,
                c.precision(),
                c.recall(),
                c.f1()
            )?;
        }
        writeln!(f, "findings on hard negatives: {}", self.negative_hits.len())
    }
}
