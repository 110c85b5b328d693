//! `dlpjet scan`: walk the inputs, scan them in parallel (streaming each file through the
//! engine in bounded memory), and print findings in the chosen format.

use crate::args::{ColorChoice, ScanArgs};
use crate::detectors::Detection;
use crate::output::{self, Record, Report};
use anyhow::Context;
use dlpjet::Event;
use rayon::prelude::*;
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::time::Instant;

/// Read buffer per worker thread. Inputs that fit are scanned in one go; larger ones are
/// streamed through it, and the engine holds back at most `Scanner::max_holdback` more.
const READ_SIZE: usize = 4 << 20;
thread_local! {
    /// Each worker thread's read buffer, allocated once and reused for every input.
    static READ_BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; READ_SIZE]);
}

/// How much of a file is checked for NUL bytes to decide that it is binary.
const BINARY_PROBE: usize = 8 * 1024;
/// Files scanned in parallel before their findings are printed, in order.
const BATCH: usize = 64;

/// One thing to scan.
#[derive(Clone, Debug)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

/// What scanning one input gave.
#[derive(Debug, Default)]
pub struct Outcome {
    pub records: Vec<Record>,
    pub bytes: u64,
    pub skipped: bool,
    pub error: Option<String>,
}

pub fn run(args: ScanArgs) -> anyhow::Result<u8> {
    let detection = crate::detectors::setup(&args.detect)?;
    let mut errors: Vec<String> = Vec::new();
    let inputs = collect_inputs(&args, &mut errors);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .context("cannot start worker threads")?;
    let tty_err = io::stderr().is_terminal() && !args.no_progress;
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => io::stdout().is_terminal(),
    };
    let progress = tty_err.then(|| output::progress(&inputs));
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut report = Report::new(args.format, color);
    let started = Instant::now();
    for e in &errors {
        report.error(None, e);
    }
    for batch in inputs.chunks(BATCH) {
        let results: Vec<Outcome> = pool.install(|| {
            batch.par_iter().map(|i| READ_BUF.with_borrow_mut(|buf| scan_input(&detection, i, &args, buf))).collect()
        });
        for (input, r) in batch.iter().zip(results) {
            let path = match input {
                Input::Stdin => None,
                Input::File(p) => Some(p.to_string_lossy().into_owned()),
            };
            if let Some(e) = &r.error {
                report.error(path.as_deref(), e);
            }
            report.file(&mut out, path.as_deref(), &r)?;
            if let Some(p) = &progress {
                p.inc(r.bytes.max(1));
            }
        }
    }
    report.finish(&mut out)?;
    out.flush()?;
    if let Some(p) = progress {
        p.finish_and_clear();
        eprintln!("{}", report.summary(started.elapsed()));
    }
    Ok(if report.errors > 0 {
        2
    } else if report.flagged > 0 {
        1
    } else {
        0
    })
}

/// Expands the command line's paths into files, honouring ignore rules and hidden-file rules
/// the way ripgrep does. Problems (missing paths, unreadable directories) go to `errors`.
fn collect_inputs(args: &ScanArgs, errors: &mut Vec<String>) -> Vec<Input> {
    if args.paths.is_empty() {
        return vec![Input::Stdin];
    }
    let mut inputs = Vec::new();
    for p in &args.paths {
        if p.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        match std::fs::metadata(p) {
            Err(e) => errors.push(format!("{}: {}", p.display(), io_message(&e))),
            Ok(m) if m.is_dir() => {
                let walker = ignore::WalkBuilder::new(p)
                    .hidden(!args.hidden)
                    .ignore(!args.no_ignore)
                    .git_ignore(!args.no_ignore)
                    .git_global(!args.no_ignore)
                    .git_exclude(!args.no_ignore)
                    .parents(!args.no_ignore)
                    .sort_by_file_path(|a, b| a.cmp(b))
                    .build();
                for entry in walker {
                    match entry {
                        Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => inputs.push(Input::File(e.into_path())),
                        Ok(_) => {}
                        Err(e) => errors.push(walk_message(&e)),
                    }
                }
            }
            Ok(_) => inputs.push(Input::File(p.clone())),
        }
    }
    inputs
}

fn walk_message(e: &ignore::Error) -> String {
    match e {
        ignore::Error::WithPath { path, err } => format!("{}: {}", path.display(), walk_message(err)),
        ignore::Error::WithDepth { err, .. } => walk_message(err),
        ignore::Error::Io(io) => io_message(io),
        other => other.to_string(),
    }
}

/// An I/O error as one lowercase line, without the "(os error N)" suffix.
pub fn io_message(e: &io::Error) -> String {
    let s = e.to_string();
    let s = match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    };
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => s,
    }
}

fn scan_input(det: &Detection, input: &Input, args: &ScanArgs, buf: &mut [u8]) -> Outcome {
    let result = match input {
        Input::Stdin => scan_reader(det, io::stdin().lock(), args, buf),
        Input::File(p) => std::fs::File::open(p).and_then(|f| {
            if let Some(max) = args.max_filesize {
                if f.metadata()?.len() > max {
                    return Ok(Outcome { skipped: true, ..Outcome::default() });
                }
            }
            scan_reader(det, f, args, buf)
        }),
    };
    result.unwrap_or_else(|e| Outcome { error: Some(io_message(&e)), ..Outcome::default() })
}

/// Tracks line and column (1-based, in bytes) of absolute offsets as bytes go past.
#[derive(Debug)]
struct Lines {
    line: u64,
    line_start: u64,
    pos: u64,
}

impl Lines {
    fn advance(&mut self, b: &[u8]) {
        let mut count = 0;
        if let Some(last) = memchr::memrchr(b'\n', b) {
            count = memchr::memchr_iter(b'\n', &b[..last]).count() as u64 + 1;
            self.line_start = self.pos + last as u64 + 1;
        }
        self.line += count;
        self.pos += b.len() as u64;
    }
}

/// Reads into `buf` until it is full or the input ends.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Scans `r` with `buf`, the worker's reusable read buffer. An input that fits in one buffer
/// is scanned in one go; a larger one is streamed through the engine, so memory stays bounded
/// by the buffer and the engine's holdback whatever the size of the input.
pub fn scan_reader(det: &Detection, mut r: impl Read, args: &ScanArgs, buf: &mut [u8]) -> io::Result<Outcome> {
    let mut out = Outcome::default();
    let show = args.show_values;
    let n = fill(&mut r, buf)?;
    if !args.binary && memchr::memchr(0, &buf[..n.min(BINARY_PROBE)]).is_some() {
        out.skipped = true;
        return Ok(out);
    }
    out.bytes = n as u64;
    let mut lines = Lines { line: 1, line_start: 0, pos: 0 };
    if n < buf.len() {
        let data = &buf[..n];
        for f in det.scanner.scan(data) {
            let Some(action) = det.action(&f) else { continue };
            lines.advance(&data[lines.pos as usize..f.start]);
            let column = f.start as u64 - lines.line_start + 1;
            out.records.push(Record::new(&f, f.bytes(data), lines.line, column, action, show));
        }
        return Ok(out);
    }
    let on_event = |e: Event<'_>, lines: &mut Lines, records: &mut Vec<Record>| match e {
        Event::Bytes(b) => lines.advance(b),
        Event::Finding(f, v) => {
            if let Some(action) = det.action(f) {
                records.push(Record::new(f, v, lines.line, f.start as u64 - lines.line_start + 1, action, show));
            }
            lines.advance(v);
        }
    };
    let mut stream = det.scanner.stream();
    stream.push_events(&buf[..n], |e| on_event(e, &mut lines, &mut out.records));
    loop {
        let n = match r.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        out.bytes += n as u64;
        stream.push_events(&buf[..n], |e| on_event(e, &mut lines, &mut out.records));
    }
    stream.finish_events(|e| on_event(e, &mut lines, &mut out.records));
    Ok(out)
}

/// Whether `e` (or its cause) is a broken pipe: the reader went away (`| head`).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let mut l = Lines { line: 1, line_start: 0, pos: 0 };
        l.advance(b"ab\ncd\n");
        assert_eq!((l.line, l.line_start, l.pos), (3, 6, 6));
        l.advance(b"xyz");
        assert_eq!((l.line, l.line_start, l.pos), (3, 6, 9));
    }

    #[test]
    fn io_messages_are_one_lowercase_line() {
        let e = io::Error::from_raw_os_error(2);
        assert_eq!(io_message(&e), "no such file or directory");
    }
}
