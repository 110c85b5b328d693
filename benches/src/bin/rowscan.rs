//! The engine's own time over many short texts (one per line of a file), as the baseline for
//! the Python binding's `scan_many` on the same rows (benches/python.py).
//!
//! Each row is scanned with the policy layer's default-tenant scanner (every built-in detector,
//! action `redact`: what `dlpjet.Scanner()` runs) and its findings' actions are looked up, on
//! every core (`par`, rayon) or on one thread (`seq`). Prints the median pass in milliseconds on
//! stdout and a line for people on stderr.
//!
//!   rowscan FILE [PASSES] [par|seq]
//!   rowscan percall TEXT CALLS     (nanoseconds per scan of TEXT, one thread)

use dlpjet_policy::{Direction, PolicySet, Tenant};
use rayon::prelude::*;
use std::time::Instant;

fn findings(t: &Tenant, row: &[u8]) -> usize {
    t.scanner(Direction::Inbound).scan(row).iter().filter(|f| t.action_for(f).is_some()).count()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let set = PolicySet::from_toml(dlpjet_policy::REDACT_ALL, None).expect("the default policy loads");
    let tenant = set.tenant("default").expect("default tenant").clone();
    if args.first().map(String::as_str) == Some("percall") {
        let text = args.get(1).expect("percall TEXT CALLS").as_bytes();
        let calls: usize = args.get(2).map_or(1_000_000, |c| c.parse().expect("CALLS is a number"));
        let t = Instant::now();
        let mut n = 0;
        for _ in 0..calls {
            n += findings(&tenant, std::hint::black_box(text));
        }
        let ns = t.elapsed().as_secs_f64() * 1e9 / calls as f64;
        println!("{ns:.1}");
        eprintln!("{ns:.1} ns per scan of {} bytes ({n} findings)", text.len());
        return;
    }
    let Some(file) = args.first() else {
        eprintln!("usage: rowscan FILE [PASSES] [par|seq] | rowscan percall TEXT CALLS");
        std::process::exit(2);
    };
    let passes: usize = args.get(1).map_or(5, |p| p.parse().expect("PASSES is a number"));
    let parallel = match args.get(2).map(String::as_str) {
        None | Some("par") => true,
        Some("seq") => false,
        Some(other) => panic!("unknown mode {other:?}: par or seq"),
    };
    let data = std::fs::read(file).unwrap_or_else(|e| panic!("{file}: {e}"));
    let rows: Vec<&[u8]> = data.split(|&b| b == b'\n').filter(|r| !r.is_empty()).collect();
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..passes.max(1) {
        let t = Instant::now();
        found = if parallel {
            rows.par_iter().map(|r| findings(&tenant, r)).sum()
        } else {
            rows.iter().map(|r| findings(&tenant, r)).sum()
        };
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let ms = times[times.len() / 2];
    let bytes: usize = rows.iter().map(|r| r.len()).sum();
    println!("{ms:.2}");
    eprintln!(
        "{} rows, {:.1} MiB, {found} findings: {ms:.1} ms median of {passes} ({:.0} MiB/s, {})",
        rows.len(),
        bytes as f64 / (1 << 20) as f64,
        bytes as f64 / (1 << 20) as f64 / (ms / 1e3),
        if parallel { "every core" } else { "one thread" }
    );
}
