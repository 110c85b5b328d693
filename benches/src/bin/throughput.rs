//! Throughput and memory at sizes criterion cannot repeat cheaply (up to 1 GiB), printed as a
//! Markdown table for BENCHMARKS.md. Medians of `--runs` runs (default 5).
//!
//! `cargo run --release -p dlpjet-benches --bin throughput -- [--max-mib 1024] [--runs 5]`

use dlpjet::Scanner;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let opt = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let max_mib = opt("--max-mib", 1024);
    let runs = opt("--runs", 5);
    let scanner = Scanner::new();

    // Streaming memory first, before any large buffer exists: stream `max_mib` MiB of the
    // mixed corpus through a StreamScanner in 64 KiB chunks, generating it on the fly.
    let block = dlpjet_benches::mixed(4 << 20);
    let before = peak_rss_kib();
    let mut s = scanner.stream();
    let mut findings = 0usize;
    let mut max_buffered = 0usize;
    let t = Instant::now();
    for _ in 0..(max_mib / 4).max(1) {
        for part in block.chunks(64 * 1024) {
            findings += s.push(part).len();
            max_buffered = max_buffered.max(s.buffered());
        }
    }
    findings += s.finish().len();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "streamed {} MiB in 64 KiB chunks: {:.0} MiB/s, {findings} findings, peak RSS {} KiB (was {before} KiB before), largest stream buffer {} KiB (bound {} KiB + chunk)",
        (max_mib / 4).max(1) * 4,
        ((max_mib / 4).max(1) * 4) as f64 / secs,
        peak_rss_kib(),
        max_buffered / 1024,
        scanner.max_holdback() / 1024
    );

    println!("\n| input size | one-shot scan MiB/s (median of {runs}) |\n|---|---|");
    let mut size = 1024usize;
    while size <= max_mib << 20 {
        let hay = dlpjet_benches::mixed(size);
        let reps = ((64usize << 20) / size).clamp(1, 4096);
        let mut rates = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            let mut n = 0;
            for _ in 0..reps {
                n += scanner.scan(std::hint::black_box(&hay)).len();
            }
            std::hint::black_box(n);
            rates.push((size * reps) as f64 / (1 << 20) as f64 / t.elapsed().as_secs_f64());
        }
        let label = if size >= 1 << 30 {
            format!("{} GiB", size >> 30)
        } else if size >= 1 << 20 {
            format!("{} MiB", size >> 20)
        } else {
            format!("{} KiB", size >> 10)
        };
        println!("| {label} | {:.0} |", median(rates));
        size *= 16;
        if size > max_mib << 20 && size / 16 < max_mib << 20 {
            size = max_mib << 20;
        }
    }
}
