//! `dlpjet-corpus`: generate the labelled corpus, and time the engine alone over files
//! (in process, one thread: the baseline for the CLI's overhead). Scoring against the ground
//! truth is `dlpjet eval`.
//!
//! ```text
//! dlpjet-corpus generate [--seed N] [--docs N] [--rate X] OUT_DIR
//! dlpjet-corpus scan DIR_OR_FILE...             # findings as JSONL, timing summary on stderr
//! ```
//! Exit codes: 0 success (scan: nothing found), 1 scan found something, 2 usage or I/O error.

use dlpjet::Scanner;
use dlpjet_corpus::truth::{write_dir, TRUTH_FILE};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage:
  dlpjet-corpus generate [--seed N] [--docs N] [--rate X] OUT_DIR
  dlpjet-corpus scan PATH...";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("generate") => generate(&args[1..]),
        Some("scan") => scan(&args[1..]),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("dlpjet-corpus: {e}");
            ExitCode::from(2)
        }
    }
}

/// Splits `--flag value` options from positional arguments.
fn parse<'a>(
    args: &'a [String],
    flags: &[&str],
    switches: &[&str],
) -> Result<(HashMap<String, String>, Vec<&'a str>), String> {
    let mut opts = HashMap::new();
    let mut pos = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if flags.contains(&a.as_str()) {
            let v = it.next().ok_or_else(|| format!("{a} needs a value\n{USAGE}"))?;
            opts.insert(a.clone(), v.clone());
        } else if switches.contains(&a.as_str()) {
            opts.insert(a.clone(), String::new());
        } else if a.starts_with("--") {
            return Err(format!("unknown option {a}\n{USAGE}"));
        } else {
            pos.push(a.as_str());
        }
    }
    Ok((opts, pos))
}

fn number<T: std::str::FromStr>(opts: &HashMap<String, String>, key: &str, default: T) -> Result<T, String> {
    match opts.get(key) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| format!("{key}: {v:?} is not a number")),
    }
}

fn generate(args: &[String]) -> Result<u8, String> {
    let (opts, pos) = parse(args, &["--seed", "--docs", "--rate"], &[])?;
    let [out] = pos[..] else { return Err(USAGE.to_string()) };
    let rate: f64 = number(&opts, "--rate", 1.0)?;
    if !(0.0..=1.0).contains(&rate) {
        return Err(format!("--rate {rate} is outside 0..=1"));
    }
    let docs = dlpjet_corpus::generate_with(number(&opts, "--seed", 1)?, number(&opts, "--docs", 200)?, rate);
    write_dir(Path::new(out), &docs).map_err(|e| e.to_string())?;
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let labels: usize = docs.iter().map(|d| d.labels.len()).sum();
    eprintln!("wrote {} documents ({bytes} bytes, {labels} labels) to {out}", docs.len());
    Ok(0)
}

/// Files under `path`, sorted, without the truth file.
fn files(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .map(|e| e.map(|e| e.path()).map_err(|e| format!("{}: {e}", path.display())))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        if p.file_name().is_some_and(|n| n == TRUTH_FILE) {
            continue;
        }
        files(&p, out)?;
    }
    Ok(())
}

fn line_col(text: &[u8], at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = at - before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
    (line, col)
}

fn preview(v: &[u8]) -> String {
    let s = String::from_utf8_lossy(v);
    let n = s.chars().count();
    let keep = if n >= 12 { 4 } else { 0 };
    s.chars().enumerate().map(|(i, c)| if i + keep >= n && keep > 0 { c } else { '*' }).take(64).collect()
}

fn scan(args: &[String]) -> Result<u8, String> {
    let (_, pos) = parse(args, &[], &[])?;
    if pos.is_empty() {
        return Err(USAGE.to_string());
    }
    let mut paths = Vec::new();
    for p in pos {
        files(Path::new(p), &mut paths)?;
    }
    let scanner = Scanner::new();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut per: BTreeMap<String, usize> = BTreeMap::new();
    let (mut bytes, mut total, mut scan_time) = (0usize, 0usize, 0f64);
    for p in &paths {
        let data = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
        let t = Instant::now();
        let found = scanner.scan(&data);
        scan_time += t.elapsed().as_secs_f64();
        bytes += data.len();
        for f in &found {
            let (line, column) = line_col(&data, f.start);
            let rec = serde_json::json!({
                "path": p.display().to_string(), "detector": &*f.detector, "start": f.start, "end": f.end,
                "line": line, "column": column, "confidence": (f.confidence * 100.0).round() / 100.0,
                "preview": preview(f.bytes(&data)),
            });
            if writeln!(out, "{rec}").is_err() {
                return Ok(if total > 0 { 1 } else { 0 }); // broken pipe: stop quietly
            }
            *per.entry(f.detector.to_string()).or_default() += 1;
            total += 1;
        }
    }
    let _ = out.flush();
    let mb = bytes as f64 / (1024.0 * 1024.0);
    eprintln!(
        "scanned {} files, {:.2} MiB, {total} findings in {:.1} ms of scanning ({:.0} MiB/s, one thread)",
        paths.len(),
        mb,
        scan_time * 1e3,
        if scan_time > 0.0 { mb / scan_time } else { 0.0 }
    );
    for (d, n) in &per {
        eprintln!("  {d:<24} {n}");
    }
    Ok(if total > 0 { 1 } else { 0 })
}
