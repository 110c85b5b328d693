//! `dlpjet scan`: walk the inputs, scan them on the worker threads, print the findings in
//! input order, and exit 0 (nothing flagged), 1 (flagged), 2 (errors) or 3 (an input named on
//! the command line was skipped).

use crate::args::{ColorChoice, ScanArgs};
use crate::scan::input::Input;
use crate::scan::input::Item;
use crate::scan::ordered::Printer;
use crate::scan::output::{self, Report, Style};
use crate::scan::walk::walk;
use crate::scan::workers::Work;
use anyhow::Context;
use std::io::{self, IsTerminal};
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;
use std::time::Instant;

pub fn run(args: ScanArgs) -> anyhow::Result<u8> {
    let detection = crate::detection::setup(&args.detect)?;
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
        show_action: args.detect.policy.is_some(),
    };
    let started = Instant::now();
    let tty_err = io::stderr().is_terminal() && !args.no_progress;
    // The progress bar needs the total size up front, so on a terminal the walk comes first;
    // otherwise it is lazy, and overlaps the scanning.
    let (items, progress): (Box<dyn Iterator<Item = Item> + Send>, _) = if tty_err {
        let items: Vec<Item> = walk(&args).collect();
        let inputs: Vec<&Input> = items.iter().filter_map(|i| i.as_ref().ok()).collect();
        let bar = output::progress(&inputs);
        (Box::new(items.into_iter()), Some(bar))
    } else {
        (Box::new(walk(&args)), None)
    };
    let mut report = Report::new(args.format);
    report.report_skipped = args.report_skipped;
    let printer = Printer::new(io::BufWriter::with_capacity(256 << 10, io::stdout()), report, progress);
    let work = Work {
        items: Mutex::new(items.enumerate()),
        stop: AtomicBool::new(false),
        detection: &detection,
        args: &args,
        style: &style,
        printer: &printer,
    };
    let scanned = pool.broadcast(|_| work.run()).into_iter().collect::<io::Result<()>>();
    scanned?;
    let (report, progress) = printer.finish()?;
    if let Some(p) = progress {
        p.finish_and_clear();
        eprintln!("{}", report.summary(started.elapsed()));
    }
    Ok(if report.errors > 0 {
        2
    } else if report.skipped_named > 0 {
        3
    } else if report.flagged > 0 {
        1
    } else {
        0
    })
}
