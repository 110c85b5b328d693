//! The workers: each takes the next inputs from the shared walk, scans them and hands them to
//! the ordered printer.

use super::input::{Input, Item};
use super::ordered::Printer;
use super::output::{Findings, Outcome, Scanned, Style};
use super::read::{scan_input, READ_BUF, SPARE};
use crate::args::ScanArgs;
use crate::detection::Detection;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

/// Inputs a worker takes from the walk at once at most, when they are small. Each batch is one
/// turn at the walk's lock and one at the printer's: on 40,000 tiny files batches made `-j2`
/// 11.8% faster than one input at a time (paired rounds, BENCHMARKS.md "The CLI"), and 32
/// 1.8-2.8% faster than 8.
const MAX_BATCH: usize = 32;

/// Spare findings buffers a worker keeps at most.
const MAX_SPARE: usize = 2 * MAX_BATCH;

/// Below this average size (bytes), inputs are small enough to be taken several at a time.
const SMALL_INPUT: u64 = 64 << 10;

/// What every worker thread shares: the walk, and where scanned inputs go.
pub(crate) struct Work<'a, I> {
    /// The walk, numbered in input order. Whichever worker needs the next input takes a step.
    pub(crate) items: Mutex<I>,
    /// Set when printing failed: the other workers stop too.
    pub(crate) stop: AtomicBool,
    pub(crate) detection: &'a Detection,
    pub(crate) args: &'a ScanArgs,
    pub(crate) style: &'a Style,
    pub(crate) printer: &'a Printer<io::BufWriter<io::Stdout>>,
}

impl<I: Iterator<Item = (usize, Item)>> Work<'_, I> {
    /// One worker: takes the next inputs from the walk, scans them and hands them to the
    /// printer, until the walk ends or printing fails.
    pub(crate) fn run(&self) -> io::Result<()> {
        let (mut taken, mut done) = (Vec::with_capacity(MAX_BATCH), Vec::with_capacity(MAX_BATCH));
        let mut spent = Vec::with_capacity(MAX_BATCH);
        let mut want = 1;
        private_file_table();
        while !self.stop.load(Ordering::Relaxed) {
            taken.extend(self.items.lock().unwrap_or_else(PoisonError::into_inner).by_ref().take(want));
            if taken.is_empty() {
                break;
            }
            let mut bytes = 0;
            let mut output_failed = None;
            for (seq, item) in taken.drain(..) {
                let scanned = match item {
                    Ok(input) => self.scan(seq, input, &mut output_failed),
                    Err(msg) => (None, Outcome { error: Some(msg), ..Outcome::default() }),
                };
                bytes += scanned.1.bytes;
                done.push((seq, scanned));
            }
            if let Some(e) = output_failed {
                // Writing a large input's findings as it was read failed (the reader went away).
                self.stop.store(true, Ordering::Relaxed);
                return Err(e);
            }
            // Small inputs are taken several at a time, so the workers meet at the walk and at
            // the printer less often; larger ones one at a time, so no worker is left with a
            // queue of them at the end.
            want = if bytes < SMALL_INPUT * done.len() as u64 { MAX_BATCH } else { 1 };
            let delivered = self.printer.deliver(&mut done, &mut spent);
            // Printed findings come back to the worker that rendered them, for its next inputs:
            // allocating and freeing them per input (often on the other core) cost more than
            // keeping a few (measured with the file table below: BENCHMARKS.md, "The CLI").
            SPARE.with_borrow_mut(|spare| {
                let room = MAX_SPARE.saturating_sub(spare.len());
                spare.extend(spent.drain(..).take(room).filter_map(Findings::recycle));
            });
            spent.clear();
            if let Err(e) = delivered {
                self.stop.store(true, Ordering::Relaxed);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Scans input `seq`. A large input's findings are printed as they are found while it is
    /// the next input to print, so they are not all held until it ends; a failed write is put
    /// in `output_failed`.
    fn scan(&self, seq: usize, input: Input, output_failed: &mut Option<io::Error>) -> Scanned {
        let mut flush = |rendered: &mut Vec<u8>| {
            self.printer.flush_head(seq, rendered).inspect_err(|e| {
                output_failed.get_or_insert_with(|| io::Error::new(e.kind(), e.to_string()));
            })
        };
        let outcome =
            READ_BUF.with_borrow_mut(|buf| scan_input(self.detection, &input, self.args, self.style, buf, &mut flush));
        (Some(input), outcome)
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
    // input itself (`open.rs` keeps its directory handle in a thread-local of the worker); the
    // walk, stepped by whichever worker holds its lock, opens and closes each directory and
    // ignore file within one step (its listings are sorted, so each is read whole at once).
    // The workers are threads of a pool made for this scan alone. The descriptors opened
    // before the workers start (standard input, output and error) are in every copy and refer
    // to the same open files. The integration tests compare `-j1` with `-j2`, `-j4` and `-j8`
    // output on trees with ignore rules, hidden files and FIFOs; the test below checks that a
    // worker's descriptors are its own.
    let private = unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::FILES) }.is_ok();
    #[cfg(not(target_os = "linux"))]
    let private = false;
    private
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

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
