//! The workers: each takes the next inputs from the shared walk, scans them and hands them to
//! the ordered printer.

use super::input::{Input, Item};
use super::ordered::Printer;
use super::output::{Outcome, Scanned, Style};
use super::read::{scan_input, READ_BUF};
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
        let mut want = 1;
        while !self.stop.load(Ordering::Relaxed) {
            taken.extend(self.items.lock().unwrap_or_else(PoisonError::into_inner).by_ref().take(want));
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
            if let Err(e) = self.printer.deliver(&mut done) {
                self.stop.store(true, Ordering::Relaxed);
                return Err(e);
            }
        }
        Ok(())
    }

    fn scan(&self, input: Input) -> Scanned {
        let outcome = READ_BUF.with_borrow_mut(|buf| scan_input(self.detection, &input, self.args, self.style, buf));
        (Some(input), outcome)
    }
}
