//! One-run comparison on the mixed corpus: dlpjet (all built-ins, validated) against the
//! RegexSet baseline and, with `--features vectorscan`, Vectorscan on the equivalent
//! unvalidated patterns. Medians of 7 runs, ratios from the same process.
//!
//! `cargo run --release -p dlpjet-benches --features vectorscan --bin compare`

use std::time::Instant;

fn median_mibs(bytes: usize, mut f: impl FnMut() -> usize) -> (f64, usize) {
    let mut rates = Vec::new();
    let mut n = 0;
    for _ in 0..7 {
        let t = Instant::now();
        n = f();
        rates.push(bytes as f64 / (1 << 20) as f64 / t.elapsed().as_secs_f64());
    }
    rates.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (rates[3], n)
}

fn main() {
    for (name, hay) in [("mixed", dlpjet_benches::mixed(32 << 20)), ("dense", dlpjet_benches::dense(32 << 20))] {
        let scanner = dlpjet::Scanner::new();
        let (ours, n) = median_mibs(hay.len(), || scanner.scan(&hay).len());
        println!("{name}: dlpjet {ours:.0} MiB/s ({n} findings)");
        let set = dlpjet_benches::RegexSetBaseline::default();
        let (rs, n) = median_mibs(hay.len(), || set.count(&hay));
        println!("{name}: regexset {rs:.0} MiB/s ({n} matches) -> dlpjet/regexset = {:.2}x", ours / rs);
        #[cfg(feature = "vectorscan")]
        {
            let vs = dlpjet_benches::vectorscan::VectorscanBaseline::default();
            let (v, n) = median_mibs(hay.len(), || vs.count(&hay));
            println!("{name}: vectorscan {v:.0} MiB/s ({n} match events) -> dlpjet/vectorscan = {:.2}x", ours / v);
        }
    }
}
