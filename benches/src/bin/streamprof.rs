//! Streaming against one-shot on the mixed corpus, alternating the two five times in one
//! process and reporting medians (the machine is shared and noisy; ratios from one run are
//! what BENCHMARKS.md quotes).
//!
//! `cargo run --release -p dlpjet-benches --bin streamprof -- [chunk bytes]`

use std::time::Instant;

fn main() {
    let chunk: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(4096);
    let hay = dlpjet_benches::mixed(32 << 20);
    let scanner = dlpjet::Scanner::new();
    let redactor = dlpjet::Redactor::builder(scanner.clone()).build().unwrap();
    let mib = hay.len() as f64 / (1 << 20) as f64;
    let (mut one, mut st, mut rd) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..5 {
        let t = Instant::now();
        let whole = scanner.scan(&hay).len();
        one.push(mib / t.elapsed().as_secs_f64());
        let t = Instant::now();
        let mut s = scanner.stream();
        let mut n = 0;
        for part in hay.chunks(chunk) {
            n += s.push(part).len();
        }
        n += s.finish().len();
        st.push(mib / t.elapsed().as_secs_f64());
        assert_eq!(n, whole);
        let t = Instant::now();
        let mut w = redactor.writer(std::io::sink());
        for part in hay.chunks(chunk) {
            std::io::Write::write_all(&mut w, part).unwrap();
        }
        w.finish().unwrap();
        rd.push(mib / t.elapsed().as_secs_f64());
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let (o, s, r) = (med(&mut one), med(&mut st), med(&mut rd));
    println!(
        "chunk {chunk}: one-shot {o:.0} MiB/s, stream {s:.0} MiB/s ({:.2} of one-shot), streaming redaction {r:.0} MiB/s",
        s / o
    );
}
