//! Runs only one-shot scans or only streaming scans of the mixed corpus (for `perf stat`).
//!
//! `cargo run --release -p dlpjet-benches --bin streammode -- one|stream|none [chunk]` (`REPS=n`, default 5)

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let chunk: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(65536);
    let hay = dlpjet_benches::mixed(32 << 20);
    let scanner = dlpjet::Scanner::new();
    let t = std::time::Instant::now();
    let mut n = 0;
    let reps = if mode == "none" { 0 } else { std::env::var("REPS").ok().and_then(|r| r.parse().ok()).unwrap_or(5) };
    for _ in 0..reps {
        n = if mode == "stream" {
            let mut s = scanner.stream();
            let mut k = 0;
            for part in hay.chunks(chunk) {
                k += s.push(part).len();
            }
            k + s.finish().len()
        } else {
            scanner.scan(&hay).len()
        };
    }
    eprintln!("{mode}: {n} findings, {:.0} MiB/s", 160.0 / t.elapsed().as_secs_f64());
}
