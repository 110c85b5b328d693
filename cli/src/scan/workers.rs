//! The workers: each takes the next inputs from the shared walk, scans them (or, while another
//! worker lists a directory, scans its files ahead) and hands them to the ordered printer.

use super::ahead::Ahead;
use super::input::{Input, Item};
use super::ordered::Printer;
use super::output::{Findings, Outcome, Scanned, Style};
use super::read::{scan_input, READ_BUF, SPARE};
use crate::args::ScanArgs;
use crate::detection::Detection;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, TryLockError};

/// Spare findings buffers a worker keeps at most.
const MAX_SPARE: usize = 2 * MAX_BATCH;

/// Inputs a worker takes from the walk at once at most, when they are small. Each batch is a
/// turn at the walk's lock and at the printer's, whose data then moves to the other core:
/// on 40,000 tiny files, batches of 32 made `-j2` 1.8-2.8% faster than batches of 8, and 64 or
/// 128 no faster than 32 (BENCHMARKS.md, "The CLI").
const MAX_BATCH: usize = 32;

/// Below this average size (bytes), inputs are small enough to be taken several at a time.
const SMALL_INPUT: u64 = 64 << 10;

/// What every worker thread shares: the walk, and where scanned inputs go.
pub(crate) struct Work<'a, I> {
    /// The walk, numbered in input order. Whichever worker needs the next input takes a step.
    pub(crate) items: Mutex<I>,
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
    /// when a file was scanned ahead instead: the walk was busy and there was one to scan.
    fn take(&self, want: usize, taken: &mut Vec<(usize, Item)>) -> bool {
        let mut items = match self.items.try_lock() {
            Ok(items) => items,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => {
                if let Some(path) = self.ahead.as_ref().and_then(|a| a.next_file()) {
                    self.scan_ahead(path);
                    return false;
                }
                self.items.lock().unwrap_or_else(PoisonError::into_inner)
            }
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
