//! The engine's own single-thread scan time over the files of a tree, for comparison with the
//! whole `dlpjet scan` process on the same tree (benches/cli.sh).
//!
//! Two baselines, both on one thread with the default scanner, `PASSES` times:
//! - `scan` (the default): every file is read into memory first, then all are scanned one after
//!   another; only the scanning is timed (what the criterion benches measure);
//! - `read`: each file is read (`std::fs::read`) and scanned in turn, and both are timed: the
//!   least any program that scans these files with the library must do.
//!
//! Prints the median pass in milliseconds (machine-readable, on stdout) and a line for people
//! on stderr.
//!
//!   cargo run --release -p dlpjet-benches --bin enginescan -- DIR [PASSES] [scan|read]
//!
//! `ENGINESCAN_DECODE_DEPTH=0` turns the decoding layer off (`ScannerBuilder::decode_depth`).

use dlpjet::Scanner;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let t = e.file_type()?;
        if t.is_dir() {
            files(&e.path(), out)?;
        } else if t.is_file() {
            out.push(e.path());
        }
    }
    Ok(())
}

/// Reads each file and scans it; the number of findings.
fn read_and_scan(scanner: &Scanner, paths: &[PathBuf]) -> usize {
    paths.iter().map(|p| scanner.scan(&std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).len()).sum()
}

/// The default scanner, or with `ENGINESCAN_DECODE_DEPTH` the decoding layer at that depth
/// (0: off), to measure the layer's cost in one build.
fn scanner() -> Scanner {
    match std::env::var("ENGINESCAN_DECODE_DEPTH") {
        Ok(d) => Scanner::builder()
            .decode_depth(d.parse().expect("ENGINESCAN_DECODE_DEPTH is a number"))
            .build()
            .expect("a valid decode depth"),
        Err(_) => Scanner::new(),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: enginescan DIR [PASSES] [scan|read|process]");
        std::process::exit(2);
    };
    let passes: usize = args.next().map_or(7, |p| p.parse().expect("PASSES is a number"));
    let mut paths = Vec::new();
    files(Path::new(&dir), &mut paths).unwrap_or_else(|e| panic!("{dir}: {e}"));
    let with_reads = match args.next().as_deref() {
        None | Some("scan") => false,
        Some("read") => true,
        Some("process") => {
            println!("{}", read_and_scan(&scanner(), &paths));
            return;
        }
        Some(other) => panic!("unknown mode {other:?}: scan, read or process"),
    };
    paths.sort();
    let data: Vec<Vec<u8>> =
        paths.iter().map(|p| std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).collect();
    let bytes: usize = data.iter().map(Vec::len).sum();
    let scanner = scanner();
    let mut times = Vec::with_capacity(passes);
    let mut findings = 0;
    for _ in 0..passes.max(1) {
        let t = Instant::now();
        findings = if with_reads {
            read_and_scan(&scanner, &paths)
        } else {
            data.iter().map(|d| scanner.scan(d).len()).sum::<usize>()
        };
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!("{median:.1}");
    eprintln!(
        "engine only ({}): {} files, {:.2} MiB, {findings} findings, median {median:.1} ms of {} passes ({:.0} MiB/s, one thread)",
        if with_reads { "reading and scanning" } else { "scanning" },
        paths.len(),
        bytes as f64 / (1 << 20) as f64,
        times.len(),
        bytes as f64 / (1 << 20) as f64 / (median / 1e3)
    );
}
