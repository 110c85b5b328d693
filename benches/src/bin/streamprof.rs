//! Streams the mixed corpus in small chunks, for profiling the per-chunk cost.
//!
//! `cargo run --release -p dlpjet-benches --bin streamprof -- [chunk bytes]`

fn main() {
    let chunk: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(4096);
    let hay = dlpjet_benches::mixed(32 << 20);
    let scanner = dlpjet::Scanner::new();
    let t = std::time::Instant::now();
    let whole = scanner.scan(&hay).len();
    let one = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    let mut s = scanner.stream();
    let mut n = 0;
    for part in hay.chunks(chunk) {
        n += s.push(part).len();
    }
    n += s.finish().len();
    let st = t.elapsed().as_secs_f64();
    assert_eq!(n, whole);
    println!("one-shot {:.0} MiB/s, stream/{chunk} {:.0} MiB/s, ratio {:.2}", 32.0 / one, 32.0 / st, one / st);
}
