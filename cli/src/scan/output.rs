//! Output formats for `dlpjet scan`: text, JSON lines (a stable contract), JSON and SARIF 2.1.0.

use super::input::Input;
use super::jsonl;
use crate::args::Format;
use dlpjet::{preview_into, Builtin, Finding};
use dlpjet_policy::Action;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// What scanning one input gave.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The findings, rendered.
    pub findings: Findings,
    /// Bytes read.
    pub bytes: u64,
    /// Not scanned, and why.
    pub skipped: Option<Skip>,
    /// Why it could not be read.
    pub error: Option<String>,
}

/// Why an input was not scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// A NUL byte in its first 8 KiB, without `--binary`.
    Binary,
    /// Larger than `--max-filesize` (the limit, in bytes).
    TooLarge(u64),
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skip::Binary => f.write_str("not scanned: binary (a NUL byte in its first 8 KiB; --binary scans it)"),
            Skip::TooLarge(max) => write!(f, "not scanned: larger than --max-filesize ({max} bytes)"),
        }
    }
}

/// An input and what scanning it gave (no input for a problem of the walk, whose message names
/// the path). The input is kept as the walk gave it and shown as text when its findings are
/// rendered and printed, borrowed: no copy of the path per input.
pub type Scanned = (Option<Input>, Outcome);

/// How findings are shown; decided once per run and shared by the workers, which render each
/// input's findings themselves so that the thread printing them only copies bytes.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub format: Format,
    pub color: bool,
    pub show_values: bool,
    /// A policy decides each finding's action: text output shows it.
    pub show_action: bool,
}

/// One finding as held for the whole-run formats (JSON, SARIF).
#[derive(Clone, Debug, Serialize)]
pub struct Record {
    pub detector: String,
    pub start: u64,
    pub end: u64,
    pub line: u64,
    pub column: u64,
    /// Two decimals, as text and JSON lines print it (an `f32` widened to `f64` would print
    /// `0.9900000095367432`).
    pub confidence: f64,
    pub action: &'static str,
    pub preview: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A finding's confidence as printed: two decimals.
fn rounded(c: f32) -> f32 {
    (c * 100.0).round() / 100.0
}

/// One input's findings, rendered by the worker that scanned it.
#[derive(Debug, Default)]
pub struct Findings {
    /// Text or JSON lines ready to be written (text and JSONL formats).
    pub rendered: Vec<u8>,
    /// Findings held for the whole-run formats (JSON, SARIF).
    pub records: Vec<Record>,
    pub total: usize,
    /// Findings whose action is not `allow`: these make the exit code 1.
    pub flagged: usize,
    pub per_detector: Vec<(Arc<str>, usize)>,
    /// Scratch space for previews, reused from finding to finding.
    preview: String,
    /// The start of every JSON line of this input (`{"path":...,"detector":`).
    jsonl_prefix: Vec<u8>,
}

/// Rendered bytes above which an input's buffers are freed rather than reused. A worker keeps
/// up to `MAX_SPARE` (64) spare buffers, so this bounds what it holds on to at 16 MiB.
const MAX_RECYCLED: usize = 256 << 10;

impl Findings {
    /// Empties these findings for the next input, keeping their buffers unless they grew large:
    /// workers reuse them rather than allocate (and free each other's memory) per input.
    /// `None` when they are too large to keep.
    pub fn recycle(mut self) -> Option<Findings> {
        if self.rendered.capacity() > MAX_RECYCLED || self.records.capacity() > MAX_RECYCLED / 64 {
            return None;
        }
        self.rendered.clear();
        self.records.clear();
        self.total = 0;
        self.flagged = 0;
        self.per_detector.clear();
        self.preview.clear();
        self.jsonl_prefix.clear();
        Some(self)
    }

    /// Adds finding `f`, whose matched bytes are `value`, at `line` and `column` of input `path`.
    pub fn push(
        &mut self,
        style: &Style,
        path: Option<&str>,
        f: &Finding,
        value: &[u8],
        (line, column): (u64, u64),
        action: Action,
    ) {
        self.total += 1;
        self.flagged += usize::from(action != Action::Allow);
        // Findings of one detector share its id; the report merges by name.
        match self.per_detector.iter_mut().find(|(d, _)| Arc::ptr_eq(d, &f.detector)) {
            Some((_, n)) => *n += 1,
            None => self.per_detector.push((f.detector.clone(), 1)),
        }
        preview_into(value, &mut self.preview);
        let shown_value = style.show_values.then(|| String::from_utf8_lossy(value));
        let confidence = rounded(f.confidence);
        match style.format {
            Format::Jsonl => {
                if self.jsonl_prefix.is_empty() {
                    jsonl::prefix(&mut self.jsonl_prefix, path);
                }
                let line = jsonl::Line {
                    detector: &f.detector,
                    start: f.start as u64,
                    end: f.end as u64,
                    line,
                    column,
                    confidence,
                    action: action.as_str(),
                    preview: &self.preview,
                    value: shown_value.as_deref(),
                };
                jsonl::write(&mut self.rendered, &self.jsonl_prefix, &line);
            }
            Format::Text => {
                let p = path.unwrap_or("<stdin>");
                let mut value = shown_value.map(|v| format!(" value={v:?}")).unwrap_or_default();
                if style.show_action {
                    value.insert_str(0, &format!(" {}", action.as_str()));
                }
                let (d, pv) = (&f.detector, &self.preview);
                // Writing to a Vec cannot fail.
                let _ = if style.color {
                    writeln!(
                        self.rendered,
                        "\x1b[35m{p}\x1b[0m:\x1b[32m{line}\x1b[0m:{column}: \x1b[1;31m{d}\x1b[0m {pv} ({confidence:.2}){value}",
                    )
                } else {
                    writeln!(self.rendered, "{p}:{line}:{column}: {d} {pv} ({confidence:.2}){value}")
                };
            }
            Format::Json | Format::Sarif => self.records.push(Record {
                detector: f.detector.to_string(),
                start: f.start as u64,
                end: f.end as u64,
                line,
                column,
                confidence: format!("{confidence:.2}").parse().unwrap_or(f64::from(confidence)),
                action: action.as_str(),
                preview: self.preview.clone(),
                value: shown_value.map(|v| v.into_owned()),
            }),
        }
    }
}

#[derive(Serialize)]
struct HeldLine<'a> {
    path: Option<&'a str>,
    #[serde(flatten)]
    record: &'a Record,
}

/// Accumulates and prints findings in one format.
#[derive(Debug)]
pub struct Report {
    format: Format,
    pub findings: usize,
    /// Findings whose action is not `allow`: these make the exit code 1.
    pub flagged: usize,
    pub errors: usize,
    files: usize,
    skipped: usize,
    /// Inputs named on the command line that were skipped: exit code 3.
    pub skipped_named: usize,
    /// Name every skipped input on stderr, not only named ones (`--report-skipped`).
    pub report_skipped: bool,
    held_skipped: Vec<(Option<String>, String)>,
    bytes: u64,
    per_detector: BTreeMap<String, usize>,
    /// JSON and SARIF are printed whole at the end.
    held: Vec<(Option<String>, Record)>,
    held_errors: Vec<(Option<String>, String)>,
}

impl Report {
    pub fn new(format: Format) -> Report {
        Report {
            format,
            findings: 0,
            flagged: 0,
            errors: 0,
            files: 0,
            skipped: 0,
            skipped_named: 0,
            report_skipped: false,
            held_skipped: Vec::new(),
            bytes: 0,
            per_detector: BTreeMap::new(),
            held: Vec::new(),
            held_errors: Vec::new(),
        }
    }

    /// Reports a problem with one input: a one-line message on stderr naming the path.
    pub fn error(&mut self, path: Option<&str>, msg: &str) {
        self.errors += 1;
        match path {
            Some(p) => eprintln!("dlpjet: {p}: {msg}"),
            None => eprintln!("dlpjet: {msg}"),
        }
        if matches!(self.format, Format::Json | Format::Sarif) {
            self.held_errors.push((path.map(String::from), msg.to_string()));
        }
    }

    /// Takes in one scanned input: counts it and prints (or holds) its findings. Gives back
    /// what is left of them, for the caller to reuse or free.
    /// `named`: the input was named on the command line (or is standard input), so skipping
    /// it is reported and sets exit code 3.
    pub fn file(&mut self, out: &mut impl Write, path: Option<&Path>, named: bool, r: Outcome) -> io::Result<Findings> {
        if let Some(e) = &r.error {
            self.error(path.map(|p| p.to_string_lossy()).as_deref(), e);
            return Ok(r.findings);
        }
        if let Some(why) = r.skipped {
            self.skipped += 1;
            self.skipped_named += usize::from(named);
            let shown = path.map_or_else(|| "standard input".to_string(), |p| p.to_string_lossy().into_owned());
            if named || self.report_skipped {
                eprintln!("dlpjet: {shown}: {why}");
            }
            if matches!(self.format, Format::Json | Format::Sarif) {
                self.held_skipped.push((path.map(|p| p.to_string_lossy().into_owned()), why.to_string()));
            }
            return Ok(r.findings);
        }
        self.files += 1;
        self.bytes += r.bytes;
        let mut f = r.findings;
        self.findings += f.total;
        self.flagged += f.flagged;
        for (d, n) in &f.per_detector {
            match self.per_detector.get_mut(&**d) {
                Some(c) => *c += n,
                None => {
                    self.per_detector.insert(d.to_string(), *n);
                }
            }
        }
        out.write_all(&f.rendered)?;
        self.held.extend(f.records.drain(..).map(|rec| (path.map(|p| p.to_string_lossy().into_owned()), rec)));
        Ok(f)
    }

    pub fn finish(&mut self, out: &mut impl Write) -> io::Result<()> {
        match self.format {
            Format::Json => {
                let findings: Vec<_> =
                    self.held.iter().map(|(p, r)| HeldLine { path: p.as_deref(), record: r }).collect();
                let errors: Vec<_> =
                    self.held_errors.iter().map(|(p, m)| serde_json::json!({"path": p, "message": m})).collect();
                let skipped: Vec<_> =
                    self.held_skipped.iter().map(|(p, m)| serde_json::json!({"path": p, "reason": m})).collect();
                let doc = serde_json::json!({
                    "version": 1,
                    "findings": findings,
                    "errors": errors,
                    "skipped": skipped,
                    "summary": {"files": self.files, "skipped": self.skipped, "bytes": self.bytes,
                                "findings": self.findings, "per_detector": self.per_detector},
                });
                serde_json::to_writer_pretty(&mut *out, &doc)?;
                out.write_all(b"\n")
            }
            Format::Sarif => {
                serde_json::to_writer_pretty(&mut *out, &self.sarif())?;
                out.write_all(b"\n")
            }
            _ => Ok(()),
        }
    }

    fn sarif(&self) -> serde_json::Value {
        use serde_json::json;
        let mut rule_ids: Vec<String> = Builtin::ALL.iter().map(|b| b.id().to_string()).collect();
        for (_, r) in &self.held {
            if !rule_ids.contains(&r.detector) {
                rule_ids.push(r.detector.clone());
            }
        }
        let rules: Vec<_> = rule_ids
            .iter()
            .map(|id| {
                let (short, full) = match Builtin::from_id(id) {
                    Some(b) => {
                        (b.description().to_string(), format!("{}. Validation: {}.", b.description(), b.validation()))
                    }
                    None => (format!("custom detector {id}"), format!("custom detector {id}")),
                };
                json!({
                    "id": id,
                    "name": id,
                    "shortDescription": {"text": short},
                    "fullDescription": {"text": full},
                    "defaultConfiguration": {"level": "error"},
                    "properties": {"tags": ["security", "dlp"]},
                })
            })
            .collect();
        let results: Vec<_> = self
            .held
            .iter()
            .map(|(p, r)| {
                let uri = p.as_deref().map(uri_of).unwrap_or_else(|| "stdin".to_string());
                json!({
                    "ruleId": r.detector,
                    "ruleIndex": rule_ids.iter().position(|i| i == &r.detector).unwrap_or(0),
                    "level": "error",
                    "message": {"text": format!("{} found: {}", r.detector, r.preview)},
                    "locations": [{"physicalLocation": {
                        "artifactLocation": {"uri": uri},
                        "region": {"startLine": r.line, "startColumn": r.column,
                                   "byteOffset": r.start, "byteLength": r.end - r.start},
                    }}],
                    "properties": {"confidence": r.confidence, "action": r.action},
                })
            })
            .collect();
        let text = |p: &Option<String>, m: &String| match p {
            Some(p) => format!("{p}: {m}"),
            None => m.clone(),
        };
        let notifications: Vec<_> = self
            .held_errors
            .iter()
            .map(|(p, m)| json!({"level": "error", "message": {"text": text(p, m)}}))
            .chain(self.held_skipped.iter().map(|(p, m)| json!({"level": "warning", "message": {"text": text(p, m)}})))
            .collect();
        json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {"name": "dlpjet", "version": env!("CARGO_PKG_VERSION"), "rules": rules}},
                "invocations": [{"executionSuccessful": self.errors == 0, "toolExecutionNotifications": notifications}],
                "results": results,
            }],
        })
    }

    /// The one-line summary shown on a terminal after a scan.
    pub fn summary(&self, elapsed: Duration) -> String {
        let mib = self.bytes as f64 / (1 << 20) as f64;
        let secs = elapsed.as_secs_f64().max(1e-9);
        let per: Vec<String> = self.per_detector.iter().map(|(d, n)| format!("{d} {n}")).collect();
        format!(
            "{} files ({} skipped), {mib:.1} MiB in {secs:.2} s ({:.0} MiB/s), {} findings{}{}",
            self.files,
            self.skipped,
            mib / secs,
            self.findings,
            if per.is_empty() { "" } else { ": " },
            per.join(", ")
        )
    }
}

/// A SARIF artifact URI for a path: relative paths stay relative, separators become `/`,
/// and characters outside the URI alphabet are percent-encoded.
fn uri_of(p: &str) -> String {
    let p = p.strip_prefix("./").unwrap_or(p);
    let mut out = String::new();
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if p.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

/// A progress bar on stderr: bytes, bytes per second and files done.
pub fn progress(inputs: &[&Input]) -> indicatif::ProgressBar {
    let total: u64 = inputs
        .iter()
        .map(|i| match i {
            Input::File(p) | Input::Named(p) => std::fs::metadata(p).map(|m| m.len().max(1)).unwrap_or(1),
            Input::Stdin => 1,
        })
        .sum();
    let bar = indicatif::ProgressBar::with_draw_target(Some(total), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {bytes_per_sec} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(uri_of("./src/a b.txt"), "src/a%20b.txt");
        assert_eq!(uri_of("/tmp/x"), "file:///tmp/x");
    }
}
