//! Output formats for `dlpjet scan`: text, JSON lines (a stable contract), JSON and SARIF 2.1.0.

use crate::args::Format;
use crate::scan::{Input, Outcome};
use dlpjet::policy::Action;
use dlpjet::{Builtin, Finding};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::time::Duration;

/// One finding as printed.
#[derive(Clone, Debug, Serialize)]
pub struct Record {
    pub detector: String,
    pub start: u64,
    pub end: u64,
    pub line: u64,
    pub column: u64,
    pub confidence: f32,
    pub action: &'static str,
    pub preview: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl Record {
    pub fn new(f: &Finding, v: &[u8], line: u64, column: u64, action: Action, show_value: bool) -> Record {
        Record {
            detector: f.detector.to_string(),
            start: f.start as u64,
            end: f.end as u64,
            line,
            column,
            confidence: (f.confidence * 100.0).round() / 100.0,
            action: action.as_str(),
            preview: preview(v),
            value: show_value.then(|| String::from_utf8_lossy(v).into_owned()),
        }
    }
}

/// A masked preview: at most the last four characters of values of 12 or more characters stay
/// visible, everything else is `*`, newlines become spaces; at most 20 characters.
pub fn preview(v: &[u8]) -> String {
    let s = String::from_utf8_lossy(v);
    let visible = |c: &char| !matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}');
    let n = s.chars().filter(visible).count();
    let keep = if n >= 12 { 4 } else { 0 };
    let mut out = String::with_capacity(24);
    out.extend(std::iter::repeat_n('*', (n - keep).min(20 - keep)));
    out.extend(s.chars().filter(visible).skip(n - keep).map(|c| if c.is_control() { ' ' } else { c }));
    out
}

#[derive(Serialize)]
struct JsonLine<'a> {
    path: Option<&'a str>,
    #[serde(flatten)]
    record: &'a Record,
}

/// Accumulates and prints findings in one format.
#[derive(Debug)]
pub struct Report {
    format: Format,
    color: bool,
    pub findings: usize,
    /// Findings whose action is not `allow`: these make the exit code 1.
    pub flagged: usize,
    pub errors: usize,
    files: usize,
    skipped: usize,
    bytes: u64,
    per_detector: BTreeMap<String, usize>,
    /// JSON and SARIF are printed whole at the end.
    held: Vec<(Option<String>, Record)>,
    held_errors: Vec<(Option<String>, String)>,
}

impl Report {
    pub fn new(format: Format, color: bool) -> Report {
        Report {
            format,
            color,
            findings: 0,
            flagged: 0,
            errors: 0,
            files: 0,
            skipped: 0,
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

    pub fn file(&mut self, out: &mut impl Write, path: Option<&str>, r: &Outcome) -> io::Result<()> {
        if r.error.is_some() {
            return Ok(());
        }
        if r.skipped {
            self.skipped += 1;
            return Ok(());
        }
        self.files += 1;
        self.bytes += r.bytes;
        for rec in &r.records {
            self.findings += 1;
            if rec.action != Action::Allow.as_str() {
                self.flagged += 1;
            }
            match self.per_detector.get_mut(&rec.detector) {
                Some(n) => *n += 1,
                None => {
                    self.per_detector.insert(rec.detector.clone(), 1);
                }
            }
            match self.format {
                Format::Text => self.text(out, path, rec)?,
                Format::Jsonl => {
                    serde_json::to_writer(&mut *out, &JsonLine { path, record: rec })?;
                    out.write_all(b"\n")?;
                }
                Format::Json | Format::Sarif => self.held.push((path.map(String::from), rec.clone())),
            }
        }
        Ok(())
    }

    fn text(&self, out: &mut impl Write, path: Option<&str>, rec: &Record) -> io::Result<()> {
        let p = path.unwrap_or("<stdin>");
        let value = rec.value.as_deref().map(|v| format!(" value={v:?}")).unwrap_or_default();
        if self.color {
            writeln!(
                out,
                "\x1b[35m{p}\x1b[0m:\x1b[32m{}\x1b[0m:{}: \x1b[1;31m{}\x1b[0m {} ({:.2}){value}",
                rec.line, rec.column, rec.detector, rec.preview, rec.confidence
            )
        } else {
            writeln!(
                out,
                "{p}:{}:{}: {} {} ({:.2}){value}",
                rec.line, rec.column, rec.detector, rec.preview, rec.confidence
            )
        }
    }

    pub fn finish(&mut self, out: &mut impl Write) -> io::Result<()> {
        match self.format {
            Format::Json => {
                let findings: Vec<_> =
                    self.held.iter().map(|(p, r)| JsonLine { path: p.as_deref(), record: r }).collect();
                let errors: Vec<_> =
                    self.held_errors.iter().map(|(p, m)| serde_json::json!({"path": p, "message": m})).collect();
                let doc = serde_json::json!({
                    "version": 1,
                    "findings": findings,
                    "errors": errors,
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
        let notifications: Vec<_> = self
            .held_errors
            .iter()
            .map(|(p, m)| json!({"level": "error", "message": {"text": match p { Some(p) => format!("{p}: {m}"), None => m.clone() }}}))
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
pub fn progress(inputs: &[Input]) -> indicatif::ProgressBar {
    let total: u64 = inputs
        .iter()
        .map(|i| match i {
            Input::File(p) => std::fs::metadata(p).map(|m| m.len().max(1)).unwrap_or(1),
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
    fn previews_hide_values() {
        assert_eq!(preview(b"4111111111111111"), "************1111");
        assert_eq!(preview(b"a@b.io"), "******");
        assert_eq!(preview(b"-----BEGIN RSA PRIVATE KEY-----\nMII\n-----END RSA PRIVATE KEY-----").chars().count(), 20);
        assert_eq!(preview("4111\u{200b}1111\u{200b}1111\u{200b}1111".as_bytes()), "************1111");
    }

    #[test]
    fn uris() {
        assert_eq!(uri_of("./src/a b.txt"), "src/a%20b.txt");
        assert_eq!(uri_of("/tmp/x"), "file:///tmp/x");
    }
}
