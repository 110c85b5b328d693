//! Criterion benchmarks of the engine. Groups are named `engine/<detector-set>/<haystack>`;
//! baselines run in the same group as the engine so their ratio comes from one run.
//!
//! `cargo bench -p dlpjet-benches --bench engine`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dlpjet::{Dictionary, Redactor, Scanner};
use dlpjet_benches as data;
use std::hint::black_box;
use std::io::Write;
use std::time::Duration;

const MIB: usize = 1 << 20;

fn config(c: &mut Criterion) -> &mut Criterion {
    c
}

fn mixed(c: &mut Criterion) {
    let hay = data::mixed(8 * MIB);
    let scanner = Scanner::new();
    let redactor = Redactor::builder(scanner.clone()).build().unwrap();
    let baseline = data::RegexSetBaseline::default();
    let mut g = config(c).benchmark_group("engine/builtins/mixed");
    g.throughput(Throughput::Bytes(hay.len() as u64)).sample_size(10).measurement_time(Duration::from_secs(6));
    g.bench_function("scan", |b| b.iter(|| black_box(scanner.scan(black_box(&hay))).len()));
    for chunk in [4 * 1024, 64 * 1024] {
        g.bench_function(BenchmarkId::new("stream", chunk), |b| {
            b.iter(|| {
                let mut s = scanner.stream();
                let mut n = 0;
                for part in hay.chunks(chunk) {
                    n += s.push(part).len();
                }
                n + s.finish().len()
            })
        });
    }
    g.bench_function("redact", |b| b.iter(|| black_box(redactor.redact(black_box(&hay))).len()));
    g.bench_function("redact_stream/65536", |b| {
        b.iter(|| {
            let mut w = redactor.writer(std::io::sink());
            for part in hay.chunks(64 * 1024) {
                w.write_all(part).unwrap();
            }
            w.finish().unwrap();
        })
    });
    g.bench_function("baseline_regexset", |b| b.iter(|| baseline.count(black_box(&hay))));
    #[cfg(feature = "vectorscan")]
    {
        let vs = data::vectorscan::VectorscanBaseline::default();
        g.bench_function("baseline_vectorscan", |b| b.iter(|| vs.count(black_box(&hay))));
    }
    g.finish();
}

/// The decoding lanes' cost: the default scanner and one with decoding off, on the mixed corpus
/// and on its encoded form (`dlpjet_benches::encoded`), in one group.
fn decoding(c: &mut Criterion) {
    let on = Scanner::new();
    let off = Scanner::builder().decode_depth(0).build().unwrap();
    let mut g = config(c).benchmark_group("engine/builtins/decoding");
    g.sample_size(10).measurement_time(Duration::from_secs(4));
    for (name, hay) in [("mixed", data::mixed(8 * MIB)), ("encoded", data::encoded(8 * MIB))] {
        g.throughput(Throughput::Bytes(hay.len() as u64));
        g.bench_function(BenchmarkId::new("decode_on", name), |b| b.iter(|| black_box(on.scan(black_box(&hay))).len()));
        g.bench_function(BenchmarkId::new("decode_off", name), |b| {
            b.iter(|| black_box(off.scan(black_box(&hay))).len())
        });
    }
    g.finish();
}

fn adversarial(c: &mut Criterion) {
    let scanner = Scanner::new();
    let mut g = config(c).benchmark_group("engine/builtins/adversarial");
    g.sample_size(10).measurement_time(Duration::from_secs(4));
    for (name, hay) in data::adversarial(8 * MIB) {
        g.throughput(Throughput::Bytes(hay.len() as u64));
        g.bench_function(name, |b| b.iter(|| black_box(scanner.scan(black_box(&hay))).len()));
    }
    let big = data::adversarial(100 * MIB).into_iter().find(|(n, _)| *n == "one_line").unwrap().1;
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.bench_function("one_line_100MiB", |b| b.iter(|| black_box(scanner.scan(black_box(&big))).len()));
    g.finish();
}

fn scaling(c: &mut Criterion) {
    let scanner = Scanner::new();
    let mut g = config(c).benchmark_group("engine/builtins/size");
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    for size in [1024, 16 * 1024, 256 * 1024, 4 * MIB, 64 * MIB] {
        let hay = data::mixed(size);
        g.throughput(Throughput::Bytes(size as u64));
        g.bench_function(BenchmarkId::from_parameter(size), |b| {
            b.iter(|| black_box(scanner.scan(black_box(&hay))).len())
        });
    }
    g.finish();

    let hay = data::mixed(8 * MIB);
    let mut g = config(c).benchmark_group("engine/dictionary/mixed");
    g.sample_size(10).measurement_time(Duration::from_secs(3)).throughput(Throughput::Bytes(hay.len() as u64));
    for n in [0, 100, 1000, 10_000] {
        let mut b = Scanner::builder();
        if n > 0 {
            b = b.dictionary(Dictionary::new("codename", data::dictionary_terms(n)).case_insensitive(true));
        }
        let s = b.build().unwrap();
        g.bench_function(BenchmarkId::new("builtins_plus_terms", n), |b| {
            b.iter(|| black_box(s.scan(black_box(&hay))).len())
        });
    }
    g.finish();

    let mut g = config(c).benchmark_group("engine/builtins/density");
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    for every in [0, 10_000, 1000, 100] {
        let hay = data::density(8 * MIB, every);
        g.throughput(Throughput::Bytes(hay.len() as u64));
        g.bench_function(BenchmarkId::new("card_every", every), |b| {
            b.iter(|| black_box(scanner.scan(black_box(&hay))).len())
        });
    }
    g.finish();
}

criterion_group!(benches, mixed, decoding, adversarial, scaling);
criterion_main!(benches);
