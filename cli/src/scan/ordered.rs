//! Ordered output: inputs scanned by any worker, printed in input order, with a bound on what
//! waits for a slow input.

use super::input::Input;
use super::output::{Findings, Report, Scanned};
use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::{Condvar, Mutex, PoisonError};

/// Output waiting for an earlier, slower input before a worker stops taking new ones: the
/// rendered findings, and the inputs themselves (`held_size`).
const MAX_PENDING_BYTES: usize = 64 << 20;

/// Prints scanned inputs in input order, whichever worker finished them.
pub(crate) struct Printer<W> {
    pub(crate) state: Mutex<Sequence<W>>,
    /// Signalled when `next` moves on, for workers waiting on a full pending buffer.
    advanced: Condvar,
}

pub(crate) struct Sequence<W> {
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
    out: W,
    report: Report,
    progress: Option<indicatif::ProgressBar>,
}

impl<W: Write> Printer<W> {
    pub(crate) fn new(out: W, report: Report, progress: Option<indicatif::ProgressBar>) -> Printer<W> {
        let sequence =
            Sequence { next: 0, pending: VecDeque::new(), pending_bytes: 0, failed: false, out, report, progress };
        Printer { state: Mutex::new(sequence), advanced: Condvar::new() }
    }

    /// Ends the output once every input was printed (the format's closing part, then a
    /// flush); gives back the report and the progress bar.
    pub(crate) fn finish(self) -> io::Result<(Report, Option<indicatif::ProgressBar>)> {
        let mut s = self.state.into_inner().unwrap_or_else(PoisonError::into_inner);
        debug_assert!(s.pending.iter().all(Option::is_none), "every input was printed");
        s.report.finish(&mut s.out)?;
        s.out.flush()?;
        Ok((s.report, s.progress))
    }

    /// Hands in scanned inputs (consecutive in input order), prints them and every later input
    /// that was waiting for them, and empties `batch`; the findings printed are put in `spent`,
    /// to be reused or freed outside the lock. Blocks while too much output waits for
    /// an earlier input, so a slow huge file cannot make the findings of everything after it
    /// pile up without bound.
    pub(crate) fn deliver(&self, batch: &mut Vec<(usize, Scanned)>, spent: &mut Vec<Findings>) -> io::Result<()> {
        let first = batch.first().map_or(0, |(seq, _)| *seq);
        let mut guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while first != guard.next && guard.pending_bytes > MAX_PENDING_BYTES && !guard.failed {
            guard = self.advanced.wait(guard).unwrap_or_else(PoisonError::into_inner);
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
        drop(guard);
        self.advanced.notify_all();
        printed
    }

    /// Writes `rendered` (findings of input `seq`, still being read) now and empties it, if
    /// `seq` is the input to print next; otherwise leaves it for when the input is delivered.
    /// The findings after it are appended to what is left, so the order holds either way.
    pub(crate) fn flush_head(&self, seq: usize, rendered: &mut Vec<u8>) -> io::Result<()> {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if s.failed || s.next != seq {
            return Ok(());
        }
        match s.out.write_all(rendered) {
            Ok(()) => {
                rendered.clear();
                Ok(())
            }
            Err(e) => {
                s.failed = true;
                drop(s);
                self.advanced.notify_all();
                Err(e)
            }
        }
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
        let path = input.as_ref().and_then(Input::path);
        let named = input.as_ref().is_some_and(Input::named);
        self.report.file(&mut self.out, path, named, outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// Inputs handed in out of order, in batches as the workers deliver them, come out in
    /// input order; each is printed as soon as every input before it was.
    #[test]
    fn inputs_done_out_of_order_are_printed_in_order() {
        let printer = Printer::new(Vec::new(), Report::new(crate::args::Format::Jsonl), None);
        let done = |seq: usize| {
            let mut outcome = super::super::output::Outcome::default();
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
}
