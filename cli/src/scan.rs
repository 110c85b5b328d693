//! `dlpjet scan`: walk the inputs, scan them in parallel (streaming each file through the
//! engine in bounded memory), and print findings in the chosen format, in input order.
//!
//! The walk is lazy and shared by the worker threads (whichever worker needs the next input
//! takes a step of the walk, several steps at once while inputs are small), so walking overlaps
//! scanning and `-j N` means N threads in all. While one worker lists a directory named on the
//! command line, the others scan its files ahead of their turn (`crate::ahead`). Each worker
//! renders the findings of the inputs it scanned; results are printed in input order by
//! whichever worker completes the next one in sequence, and the printed buffers go back to
//! that worker for its next inputs.

use crate::ahead::Ahead;
use crate::args::{ColorChoice, ScanArgs};
use crate::detectors::Detection;
use crate::output::{self, Findings, Report, Style};
use anyhow::Context;
use crossbeam_utils::CachePadded;
use dlpjet::Event;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError, TryLockError};
use std::time::Instant;

/// Read buffer per worker thread. Inputs that fit are scanned in one go; larger ones are
/// streamed through it, and the engine holds back at most `Scanner::max_holdback` more.
const READ_SIZE: usize = 4 << 20;
thread_local! {
    /// Each worker thread's read buffer, allocated once and reused for every input.
    static READ_BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; READ_SIZE]);
}

thread_local! {
    /// Findings buffers printed and handed back, for this worker's next inputs.
    static SPARE: std::cell::RefCell<Vec<Findings>> = const { std::cell::RefCell::new(Vec::new()) };
}
/// Spare findings buffers a worker keeps at most.
const MAX_SPARE: usize = 2 * MAX_BATCH;

/// How much of a file is checked for NUL bytes to decide that it is binary.
const BINARY_PROBE: usize = 8 * 1024;
/// Inputs a worker takes from the walk at once at most, when they are small. Each batch is a
/// turn at the walk's lock and at the printer's, whose data then moves to the other core:
/// on 40,000 tiny files, batches of 32 made `-j2` 1.8-2.8% faster than batches of 8, and 64 or
/// 128 no faster than 32 (BENCHMARKS.md, "The CLI").
const MAX_BATCH: usize = 32;
/// Below this average size (bytes), inputs are small enough to be taken several at a time.
const SMALL_INPUT: u64 = 64 << 10;
/// How long a worker with nothing to scan ahead keeps trying the busy walk before it waits.
const SPIN: std::time::Duration = std::time::Duration::from_millis(1);
/// Output waiting for an earlier, slower input before a worker stops taking new ones: the
/// rendered findings, and the inputs themselves (`held_size`).
const MAX_PENDING_BYTES: usize = 64 << 20;

/// One thing to scan.
#[derive(Clone, Debug)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    /// The path as printed; `None` for standard input. Borrowed unless the path is not UTF-8.
    fn shown(&self) -> Option<Cow<'_, str>> {
        match self {
            Input::Stdin => None,
            Input::File(p) => Some(p.to_string_lossy()),
        }
    }
}

/// An input and what scanning it gave (no input for a problem of the walk, whose message names
/// the path). The input is kept as the walk gave it and shown as text when its findings are
/// rendered and printed, borrowed: no copy of the path per input.
type Scanned = (Option<Input>, Outcome);

/// What the walk yields: an input, or a one-line problem with a path (naming it).
type Item = Result<Input, String>;

/// What scanning one input gave.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Findings,
    pub bytes: u64,
    pub skipped: bool,
    pub error: Option<String>,
}

pub fn run(args: ScanArgs) -> anyhow::Result<u8> {
    let detection = crate::detectors::setup(&args.detect)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .context("cannot start worker threads")?;
    let style = Style {
        format: args.format,
        color: match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => io::stdout().is_terminal(),
        },
        show_values: args.show_values,
    };
    let started = Instant::now();
    let tty_err = io::stderr().is_terminal() && !args.no_progress;
    // The progress bar needs the total size up front, so on a terminal the walk comes first.
    // Otherwise the walk is lazy, and workers with nothing to take while it lists a directory
    // named on the command line scan that directory's files ahead.
    let (items, progress, ahead): (Box<dyn Iterator<Item = Item> + Send>, _, _) = if tty_err {
        let items: Vec<Item> = walk(&args, None).collect();
        let inputs: Vec<&Input> = items.iter().filter_map(|i| i.as_ref().ok()).collect();
        let bar = output::progress(&inputs);
        (Box::new(items.into_iter()), Some(bar), None)
    } else {
        let ahead = Arc::new(Ahead::new(args.hidden));
        (Box::new(walk(&args, Some(ahead.clone()))), None, Some(ahead))
    };
    let printer =
        Printer::new(io::BufWriter::with_capacity(256 << 10, io::stdout()), Report::new(args.format), progress);
    let work = Work {
        items: CachePadded::new(Mutex::new(items.enumerate())),
        ahead,
        stop: AtomicBool::new(false),
        detection: &detection,
        args: &args,
        style: &style,
        printer: &printer,
    };
    let scanned = pool.broadcast(|_| work.run()).into_iter().collect::<io::Result<()>>();
    let mut state = printer.state.into_inner().unwrap_or_else(PoisonError::into_inner);
    scanned?;
    debug_assert!(state.pending.iter().all(Option::is_none), "every input was printed");
    state.report.finish(&mut state.out)?;
    state.out.flush()?;
    let report = &state.report;
    if let Some(p) = state.progress.take() {
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

/// What every worker thread shares: the walk, and where scanned inputs go.
struct Work<'a, I> {
    /// The walk, numbered in input order. Whichever worker needs the next input takes a step.
    /// On a cache line of its own: each turn at the walk writes the lock and the count, and
    /// the fields below are read for every input (perf showed the reads of `ahead` stalling
    /// when they shared the line).
    items: CachePadded<Mutex<I>>,
    ahead: Option<Arc<Ahead>>,
    /// Set when printing failed: the other workers stop too.
    stop: AtomicBool,
    detection: &'a Detection,
    args: &'a ScanArgs,
    style: &'a Style,
    printer: &'a Printer<io::BufWriter<io::Stdout>>,
}

impl<I: Iterator<Item = (usize, Item)>> Work<'_, I> {
    /// One worker: takes the next input from the walk, scans it and hands it to the printer,
    /// until the walk ends or printing fails. While another worker holds the walk (listing a
    /// directory), it scans that directory's files ahead instead of waiting.
    fn run(&self) -> io::Result<()> {
        let (mut taken, mut done) = (Vec::with_capacity(MAX_BATCH), Vec::with_capacity(MAX_BATCH));
        let mut spent = Vec::with_capacity(MAX_BATCH);
        let mut want = 1;
        private_file_table();
        while !self.stop.load(Ordering::Relaxed) {
            if !self.take(want, &mut taken) {
                continue;
            }
            if taken.is_empty() {
                break;
            }
            let mut bytes = 0;
            for (seq, item) in taken.drain(..) {
                let scanned = match item {
                    Ok(input) => self.scan(input),
                    Err(msg) => (None, Outcome { error: Some(msg), ..Outcome::default() }),
                };
                bytes += scanned.1.bytes;
                done.push((seq, scanned));
            }
            // Small inputs are taken several at a time, so the workers meet at the walk and at
            // the printer less often; larger ones one at a time, so no worker is left with a
            // queue of them at the end.
            want = if bytes < SMALL_INPUT * done.len() as u64 { MAX_BATCH } else { 1 };
            let delivered = self.printer.deliver(&mut done, &mut spent);
            SPARE.with_borrow_mut(|spare| {
                let room = MAX_SPARE.saturating_sub(spare.len());
                spare.extend(spent.drain(..).take(room).filter_map(Findings::recycle));
                spent.clear();
            });
            if let Err(e) = delivered {
                self.stop.store(true, Ordering::Relaxed);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Takes up to `want` steps of the walk into `taken` (nothing when it has ended); `false`
    /// when a file was scanned ahead instead. When the walk is busy and there is nothing to
    /// scan ahead, the worker tries again for a moment before it waits: at the start every
    /// worker reaches the walk at once, just before the listing of the first directory is
    /// announced.
    fn take(&self, want: usize, taken: &mut Vec<(usize, Item)>) -> bool {
        let tried = Instant::now();
        let mut items = loop {
            match self.items.try_lock() {
                Ok(items) => break items,
                Err(TryLockError::Poisoned(p)) => break p.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
            if let Some(path) = self.ahead.as_ref().and_then(|a| a.next_file()) {
                self.scan_ahead(path);
                return false;
            }
            if self.ahead.is_none() || tried.elapsed() > SPIN {
                break self.items.lock().unwrap_or_else(PoisonError::into_inner);
            }
            std::thread::yield_now();
        };
        taken.extend(items.by_ref().take(want));
        true
    }

    fn scan(&self, input: Input) -> Scanned {
        if let (Input::File(p), Some(ahead)) = (&input, &self.ahead) {
            if let Some(outcome) = ahead.take(p) {
                return (Some(input), outcome);
            }
        }
        let outcome =
            READ_BUF.with_borrow_mut(|buf| scan_input(self.detection, &input, self.args, self.style, buf, false));
        (Some(input), outcome.expect("an input scanned in its turn is scanned whole"))
    }

    fn scan_ahead(&self, path: PathBuf) {
        let input = Input::File(path);
        let outcome =
            READ_BUF.with_borrow_mut(|buf| scan_input(self.detection, &input, self.args, self.style, buf, true));
        if let (Some(ahead), Input::File(path)) = (&self.ahead, input) {
            ahead.finish(path, outcome);
        }
    }
}

/// Gives the calling worker a table of file descriptors of its own, a copy of the process's.
/// Threads sharing one table contend on its lock for every open and close, and the kernel
/// counts references on every read of a shared table; with the table to itself a worker pays
/// neither (measured: BENCHMARKS.md, "The CLI"). Where this is not allowed (a seccomp filter)
/// or not Linux, the worker keeps the shared table; returns whether it has its own.
fn private_file_table() -> bool {
    #[cfg(target_os = "linux")]
    // SAFETY: rustix requires that no thread observes a descriptor from another thread's
    // unshared table. A worker's descriptors never leave it: it opens, reads and closes each
    // input itself (`open.rs` keeps its directory handle per thread); the walk, stepped by
    // whichever worker holds it, opens and closes each directory and ignore file within one
    // step (its listings are sorted, so read whole at once); the scan-ahead listing is opened,
    // read and closed by one worker's thread (`ahead.rs`). The descriptors opened before the
    // workers start (standard input, output and error) are in every copy and refer to the
    // same open files. The integration tests compare `-j1` with `-j2`, `-j4` and `-j8` output
    // on trees with ignore rules, hidden files, FIFOs and files scanned ahead.
    let private = unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::FILES) }.is_ok();
    #[cfg(not(target_os = "linux"))]
    let private = false;
    private
}

/// Prints scanned inputs in input order, whichever worker finished them.
struct Printer<W> {
    state: Mutex<Sequence<W>>,
    /// Signalled when `next` moves on, for workers waiting on a full pending buffer.
    advanced: Condvar,
}

struct Sequence<W> {
    /// The input to print next.
    next: usize,
    /// Inputs done before one that precedes them: slot `i` holds input `next + i` once it is
    /// done. A ring rather than a sorted map: inputs come in batches just after `next`, and
    /// an outcome is a few hundred bytes, which a map's nodes shift on every insertion.
    pending: VecDeque<Option<Scanned>>,
    /// What the pending inputs hold: their rendered findings and their slots.
    pending_bytes: usize,
    /// Writing failed (the reader went away): nothing more is printed, and nobody waits.
    failed: bool,
    /// Workers blocked on `advanced`. The condition variable is only signalled when this is
    /// not zero: a signal is a system call even with nobody to wake, once per input.
    waiting: usize,
    out: W,
    report: Report,
    progress: Option<indicatif::ProgressBar>,
}

impl<W: Write> Printer<W> {
    fn new(out: W, report: Report, progress: Option<indicatif::ProgressBar>) -> Printer<W> {
        let sequence = Sequence {
            next: 0,
            pending: VecDeque::new(),
            pending_bytes: 0,
            failed: false,
            waiting: 0,
            out,
            report,
            progress,
        };
        Printer { state: Mutex::new(sequence), advanced: Condvar::new() }
    }

    /// Hands in scanned inputs (consecutive in input order), prints them and every later input
    /// that was waiting for them, and empties `batch`; the findings printed are put in `spent`,
    /// to be reused or freed outside the lock. Blocks while too much output waits for
    /// an earlier input, so a slow huge file cannot make the findings of everything after it
    /// pile up without bound.
    fn deliver(&self, batch: &mut Vec<(usize, Scanned)>, spent: &mut Vec<Findings>) -> io::Result<()> {
        let first = batch.first().map_or(0, |(seq, _)| *seq);
        let mut guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while first != guard.next && guard.pending_bytes > MAX_PENDING_BYTES && !guard.failed {
            guard.waiting += 1;
            guard = self.advanced.wait(guard).unwrap_or_else(PoisonError::into_inner);
            guard.waiting -= 1;
        }
        let s = &mut *guard;
        if s.failed {
            // The first failure is already on its way out of the scan.
            batch.clear();
            return Ok(());
        }
        let mut printed = Ok(());
        for (seq, done) in batch.drain(..) {
            if seq != s.next {
                s.hold(seq, done);
                continue;
            }
            if printed.is_ok() {
                printed = s.print(done).map(|f| spent.push(f));
            }
            while printed.is_ok() {
                let Some(done) = s.pending.front_mut().and_then(Option::take) else { break };
                s.pending_bytes -= held_size(&done);
                printed = s.print(done).map(|f| spent.push(f));
            }
        }
        s.failed = printed.is_err();
        let wake = s.waiting > 0;
        drop(guard);
        if wake {
            self.advanced.notify_all();
        }
        printed
    }
}

/// What a pending input holds on to, counted against `MAX_PENDING_BYTES`: its rendered findings
/// and its slot, so that many inputs without findings waiting for a slow one count too.
fn held_size(done: &Scanned) -> usize {
    done.1.findings.rendered.len() + std::mem::size_of::<Option<Scanned>>()
}

impl<W: Write> Sequence<W> {
    /// Keeps input number `seq`, done before input `next`, until its turn.
    fn hold(&mut self, seq: usize, done: Scanned) {
        let slot = seq - self.next;
        if self.pending.len() <= slot {
            self.pending.resize_with(slot + 1, || None);
        }
        self.pending_bytes += held_size(&done);
        self.pending[slot] = Some(done);
    }

    /// Prints input number `next` and moves on to the one after it; gives back its findings.
    fn print(&mut self, (input, outcome): Scanned) -> io::Result<Findings> {
        self.next += 1;
        self.pending.pop_front();
        if let Some(p) = &self.progress {
            p.inc(outcome.bytes.max(1));
        }
        let path = match &input {
            Some(Input::File(p)) => Some(p.as_path()),
            Some(Input::Stdin) | None => None,
        };
        self.report.file(&mut self.out, path, outcome)
    }
}

/// The inputs named on the command line, directories expanded lazily, honouring ignore rules
/// and hidden-file rules the way ripgrep does. Problems (missing paths, unreadable directories)
/// come as errors in their place. With `ahead`, the listing of each directory named on the
/// command line is announced to it.
fn walk(args: &ScanArgs, ahead: Option<Arc<Ahead>>) -> impl Iterator<Item = Item> + Send + use<> {
    let (hidden, no_ignore) = (args.hidden, args.no_ignore);
    let paths = if args.paths.is_empty() { vec![PathBuf::from("-")] } else { args.paths.clone() };
    paths.into_iter().flat_map(move |p| -> Box<dyn Iterator<Item = Item> + Send> {
        if p.as_os_str() == "-" {
            return Box::new(std::iter::once(Ok(Input::Stdin)));
        }
        match std::fs::metadata(&p) {
            Err(e) => Box::new(std::iter::once(Err(format!("{}: {}", p.display(), io_message(&e))))),
            Ok(m) if m.is_dir() => {
                // The walk's first step lists the directory (and yields the directory itself).
                if let Some(ahead) = &ahead {
                    ahead.begin(&p);
                }
                let mut walker = ignore::WalkBuilder::new(&p)
                    .hidden(!hidden)
                    .ignore(!no_ignore)
                    .git_ignore(!no_ignore)
                    .git_global(!no_ignore)
                    .git_exclude(!no_ignore)
                    .parents(!no_ignore)
                    // Entries of one directory share its path up to their names, so comparing
                    // whole paths as bytes orders them by name; `Path::cmp` would give the same
                    // order but parses components on every comparison.
                    .sort_by_file_path(|a, b| a.as_os_str().cmp(b.as_os_str()))
                    .build();
                let (ahead, mut first) = (ahead.clone(), true);
                let walker = std::iter::from_fn(move || {
                    let entry = walker.next();
                    if let Some(ahead) = &ahead {
                        if std::mem::take(&mut first) {
                            ahead.end();
                        }
                        if entry.is_none() {
                            ahead.clear();
                        }
                    }
                    entry
                });
                Box::new(walker.filter_map(|entry| match entry {
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => Some(Ok(Input::File(e.into_path()))),
                    Ok(_) => None,
                    Err(e) => Some(Err(walk_message(&e))),
                }))
            }
            Ok(_) => Box::new(std::iter::once(Ok(Input::File(p)))),
        }
    })
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

/// Scans one input. With `whole_only`, an input that does not fit in `buf` is not scanned
/// (`None`): a file scanned ahead of its turn may turn out to be one the walk skips.
fn scan_input(
    det: &Detection,
    input: &Input,
    args: &ScanArgs,
    style: &Style,
    buf: &mut [u8],
    whole_only: bool,
) -> Option<Outcome> {
    let shown = input.shown();
    let path = shown.as_deref();
    let result = match input {
        Input::Stdin => scan_reader(det, io::stdin().lock(), path, args.binary, style, buf, false),
        Input::File(p) => crate::open::open(p).and_then(|f| {
            if let Some(max) = args.max_filesize {
                if f.metadata()?.len() > max {
                    return Ok(Some(Outcome { skipped: true, ..Outcome::default() }));
                }
            }
            scan_reader(det, f, path, args.binary, style, buf, whole_only)
        }),
    };
    result.unwrap_or_else(|e| Some(Outcome { error: Some(io_message(&e)), ..Outcome::default() }))
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
/// by the buffer and the engine's holdback whatever the size of the input, unless `whole_only`
/// asks to leave it unscanned (`None`).
pub fn scan_reader(
    det: &Detection,
    mut r: impl Read,
    path: Option<&str>,
    binary: bool,
    style: &Style,
    buf: &mut [u8],
    whole_only: bool,
) -> io::Result<Option<Outcome>> {
    let mut out = Outcome { findings: SPARE.with_borrow_mut(Vec::pop).unwrap_or_default(), ..Outcome::default() };
    let n = fill(&mut r, buf)?;
    if !binary && memchr::memchr(0, &buf[..n.min(BINARY_PROBE)]).is_some() {
        out.skipped = true;
        return Ok(Some(out));
    }
    if whole_only && n == buf.len() {
        return Ok(None);
    }
    out.bytes = n as u64;
    let mut lines = Lines { line: 1, line_start: 0, pos: 0 };
    if n < buf.len() {
        let data = &buf[..n];
        for f in det.scanner.scan(data) {
            let Some(action) = det.action(&f) else { continue };
            lines.advance(&data[lines.pos as usize..f.start]);
            let at = (lines.line, f.start as u64 - lines.line_start + 1);
            out.findings.push(style, path, &f, f.bytes(data), at, action);
        }
        return Ok(Some(out));
    }
    let on_event = |e: Event<'_>, lines: &mut Lines, findings: &mut Findings| match e {
        Event::Bytes(b) => lines.advance(b),
        Event::Finding(f, v) => {
            if let Some(action) = det.action(f) {
                findings.push(style, path, f, v, (lines.line, f.start as u64 - lines.line_start + 1), action);
            }
            lines.advance(v);
        }
    };
    let mut stream = det.scanner.stream();
    stream.push_events(&buf[..n], |e| on_event(e, &mut lines, &mut out.findings));
    loop {
        let n = match r.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        out.bytes += n as u64;
        stream.push_events(&buf[..n], |e| on_event(e, &mut lines, &mut out.findings));
    }
    stream.finish_events(|e| on_event(e, &mut lines, &mut out.findings));
    Ok(Some(out))
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

    /// What this thread's file table holds: the targets of its descriptors.
    #[cfg(target_os = "linux")]
    fn open_here() -> Vec<PathBuf> {
        let fds = std::fs::read_dir("/proc/thread-self/fd").unwrap();
        fds.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok()).collect()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_worker_s_descriptors_stay_in_its_own_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().canonicalize().unwrap().join("opened-by-the-worker");
        std::fs::write(&path, "x").unwrap();
        let (opened, check) = (std::sync::mpsc::channel(), std::sync::mpsc::channel::<()>());
        let worker = {
            let path = path.clone();
            std::thread::spawn(move || {
                let private = private_file_table();
                let file = std::fs::File::open(&path).unwrap();
                opened.0.send((private, open_here())).unwrap();
                check.1.recv().unwrap();
                drop(file);
            })
        };
        let (private, in_worker) = opened.1.recv().unwrap();
        assert!(in_worker.contains(&path), "{in_worker:?}");
        // Seen from this thread while the worker holds it open: absent from this table when
        // the worker has its own, present when the system refused and the table is shared.
        assert_eq!(open_here().contains(&path), !private, "private table: {private}");
        if !private {
            eprintln!("unshare(CLONE_FILES) was refused here: workers share one file table");
        }
        check.0.send(()).unwrap();
        worker.join().unwrap();
    }

    /// Inputs handed in out of order, in batches as the workers deliver them, come out in
    /// input order; each is printed as soon as every input before it was.
    #[test]
    fn inputs_done_out_of_order_are_printed_in_order() {
        let printer = Printer::new(Vec::new(), Report::new(crate::args::Format::Jsonl), None);
        let done = |seq: usize| {
            let mut outcome = Outcome::default();
            outcome.findings.rendered = format!("{seq}\n").into_bytes();
            (seq, (Some(Input::File(PathBuf::from(format!("f{seq}")))), outcome))
        };
        let printed = || String::from_utf8(printer.state.lock().unwrap().out.clone()).unwrap();
        let mut spent = Vec::new();
        for (batch, then) in [
            (vec![12], ""),
            (vec![3, 4], ""),
            (vec![0], "0\n"),
            (vec![5, 6, 7, 8, 9, 10, 11], "0\n"),
            (vec![1, 2], "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n"),
        ] {
            printer.deliver(&mut batch.into_iter().map(done).collect(), &mut spent).unwrap();
            assert_eq!(printed(), then);
        }
        assert_eq!(spent.len(), 13, "every printed input's findings come back for reuse");
        let s = printer.state.lock().unwrap();
        assert_eq!((s.next, s.pending.len(), s.pending_bytes), (13, 0, 0));
    }

    #[test]
    fn io_messages_are_one_lowercase_line() {
        let e = io::Error::from_raw_os_error(2);
        assert_eq!(io_message(&e), "no such file or directory");
    }
}
