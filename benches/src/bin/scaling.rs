//! How the library's own per-file work scales from one worker to several, in threads and in
//! processes, with nothing of the CLI around it: the ceiling for `dlpjet scan -j N` on a tree
//! (benches/cli.sh).
//!
//! The files of `DIR` (not recursive) are listed and sorted first, then split between the
//! workers file by file (worker `i` takes every `N`-th file from the `i`-th), and only the work
//! is timed: each worker opens, reads and scans its files, one after another. Threads work the
//! way `dlpjet scan` does: they share one scanner and the process's table of file
//! descriptors. Processes are this program run again, one per worker, each building its own
//! scanner before the clock starts.
//!
//! Prints the time in milliseconds from the start signal until the last worker is done
//! (machine-readable, on stdout) and a line for people on stderr.
//!
//!   cargo run --release -p dlpjet-benches --bin scaling -- DIR WORKERS threads|processes

use dlpjet::Scanner;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Barrier;
use std::time::Instant;

/// The files of `dir`, sorted, and the share of worker `i` of `n`.
fn share(dir: &Path, i: usize, n: usize) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths.into_iter().skip(i).step_by(n).collect()
}

/// Opens, reads and scans each file with one reusable buffer; the number of findings.
fn work(scanner: &Scanner, paths: &[PathBuf]) -> usize {
    let mut buf = vec![0u8; 4 << 20];
    let mut findings = 0;
    for p in paths {
        let mut f = std::fs::File::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let mut n = 0;
        loop {
            match f.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) => panic!("{}: {e}", p.display()),
            }
            assert!(n < buf.len(), "{}: larger than the read buffer", p.display());
        }
        findings += scanner.scan(&buf[..n]).len();
    }
    findings
}

fn threads(dir: &Path, n: usize) -> (f64, usize) {
    let scanner = Scanner::new();
    let shares: Vec<Vec<PathBuf>> = (0..n).map(|i| share(dir, i, n)).collect();
    let ready = Barrier::new(n + 1);
    std::thread::scope(|s| {
        let workers: Vec<_> = shares
            .iter()
            .map(|mine| {
                let (scanner, ready) = (&scanner, &ready);
                s.spawn(move || {
                    ready.wait();
                    work(scanner, mine)
                })
            })
            .collect();
        ready.wait();
        let t = Instant::now();
        let findings = workers.into_iter().map(|w| w.join().expect("a worker")).sum();
        (t.elapsed().as_secs_f64() * 1e3, findings)
    })
}

fn processes(dir: &Path, n: usize) -> (f64, usize) {
    let me = std::env::current_exe().expect("this program's path");
    let mut workers: Vec<_> = (0..n)
        .map(|i| {
            Command::new(&me)
                .arg(dir)
                .arg(n.to_string())
                .arg("worker")
                .arg(i.to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("a worker process")
        })
        .collect();
    // Each worker says it is ready (scanner built, files listed) before the clock starts.
    for w in &mut workers {
        let mut ready = [0u8; 1];
        w.stdout.as_mut().expect("piped").read_exact(&mut ready).expect("a ready worker");
    }
    let t = Instant::now();
    for w in &mut workers {
        w.stdin.take().expect("piped").write_all(b"g").expect("a started worker");
    }
    let mut findings = 0;
    for w in workers {
        let out = w.wait_with_output().expect("a finished worker");
        assert!(out.status.success(), "a worker failed");
        findings += String::from_utf8_lossy(&out.stdout).trim().parse::<usize>().expect("a count");
    }
    (t.elapsed().as_secs_f64() * 1e3, findings)
}

/// One worker process: builds the scanner and lists its share, says it is ready, waits for
/// the start, works, and prints its count of findings.
fn worker(dir: &Path, i: usize, n: usize) {
    let scanner = Scanner::new();
    let mine = share(dir, i, n);
    let mut out = std::io::stdout();
    out.write_all(b"r").and_then(|()| out.flush()).expect("the parent is listening");
    let mut go = [0u8; 1];
    std::io::stdin().read_exact(&mut go).expect("the start signal");
    println!("{}", work(&scanner, &mine));
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: scaling DIR WORKERS threads|processes";
    let (Some(dir), Some(n), Some(kind)) = (args.first(), args.get(1), args.get(2)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let (dir, n) = (Path::new(dir), n.parse::<usize>().expect("WORKERS is a number").max(1));
    let (ms, findings) = match kind.as_str() {
        "threads" => threads(dir, n),
        "processes" => processes(dir, n),
        "worker" => return worker(dir, args.get(3).and_then(|i| i.parse().ok()).expect("a worker number"), n),
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    println!("{ms:.1}");
    eprintln!("library work, {n} {kind}: {ms:.1} ms, {findings} findings");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two threads find what one finds: every file is read
    /// by exactly one worker.
    #[test]
    fn threads_split_the_work_and_find_the_same() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..9 {
            let body = if i % 2 == 0 { "mail jane.doe@example.org\n" } else { "nothing here\n" };
            std::fs::write(dir.path().join(format!("f{i}.txt")), body).unwrap();
        }
        let (_, one) = threads(dir.path(), 1);
        let (_, two) = threads(dir.path(), 2);
        assert_eq!((one, two), (5, 5));
    }
}
