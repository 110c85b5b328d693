//! The workers: each takes the next inputs from the shared walk, scans them (or, while another
//! worker lists a directory, scans its files ahead) and hands them to the ordered printer.

use super::ahead::Ahead;
use super::input::{Input, Item};
use super::ordered::Printer;
use super::output::{Findings, Outcome, Scanned, Style};
use super::read::{scan_input, READ_BUF, SPARE};
use crate::args::ScanArgs;
use crate::detection::Detection;
use crossbeam_utils::CachePadded;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, TryLockError};
use std::time::Instant;

/// Spare findings buffers a worker keeps at most.
const MAX_SPARE: usize = 2 * MAX_BATCH;

/// Inputs a worker takes from the walk at once at most, when they are small. Each batch is a
/// turn at the walk's lock and at the printer's, whose data then moves to the other core:
/// on 40,000 tiny files, batches of 32 made `-j2` 1.8-2.8% faster than batches of 8, and 64 or
/// 128 no faster than 32 (BENCHMARKS.md, "The CLI").
const MAX_BATCH: usize = 32;

/// Below this average size (bytes), inputs are small enough to be taken several at a time.
const SMALL_INPUT: u64 = 64 << 10;

/// How long a worker with nothing to scan ahead keeps trying the busy walk before it waits.
const SPIN: std::time::Duration = std::time::Duration::from_millis(1);

/// What every worker thread shares: the walk, and where scanned inputs go.
pub(crate) struct Work<'a, I> {
    /// The walk, numbered in input order. Whichever worker needs the next input takes a step.
    /// On a cache line of its own: each turn at the walk writes the lock and the count, and
    /// the fields below are read for every input (perf showed the reads of `ahead` stalling
    /// when they shared the line).
    pub(crate) items: CachePadded<Mutex<I>>,
    pub(crate) ahead: Option<Arc<Ahead>>,
    /// Set when printing failed: the other workers stop too.
    pub(crate) stop: AtomicBool,
    pub(crate) detection: &'a Detection,
    pub(crate) args: &'a ScanArgs,
    pub(crate) style: &'a Style,
    pub(crate) printer: &'a Printer<io::BufWriter<io::Stdout>>,
}

impl<I: Iterator<Item = (usize, Item)>> Work<'_, I> {
    /// One worker: takes the next input from the walk, scans it and hands it to the printer,
    /// until the walk ends or printing fails. While another worker holds the walk (listing a
    /// directory), it scans that directory's files ahead instead of waiting.
    pub(crate) fn run(&self) -> io::Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
