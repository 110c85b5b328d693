//! Criterion benchmarks of the policy layer: a decision against the raw scan of the same
//! detectors, in one run, so the overhead is a ratio (target: at most 10%).
//!
//! `cargo bench -p dlpjet-benches --bench policy`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dlpjet_policy::{Direction, PolicySet};

use dlpjet_benches as data;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

const MIB: usize = 1 << 20;

const WARN: &str = "version = 1\n[default]\ndefault_action = \"warn\"\n";
const REDACT: &str = r#"
version = 1
[default]
default_action = "redact"
[default.detectors.credit_card]
redact = "partial"
keep_last = 4
[default.detectors.ipv4]
action = "allow"
"#;

fn policy(c: &mut Criterion) {
    let hay = data::mixed(8 * MIB);
    let mut g = c.benchmark_group("policy/builtins/mixed");
    g.throughput(Throughput::Bytes(hay.len() as u64)).sample_size(10).measurement_time(Duration::from_secs(6));
    for (name, text) in [("warn", WARN), ("redact", REDACT)] {
        let set = PolicySet::from_toml(text, None).unwrap();
        let t = set.tenant("default").unwrap().clone();
        let scanner = t.scanner(Direction::Inbound).clone();
        g.bench_function(BenchmarkId::new("raw_scan", name), |b| {
            b.iter(|| black_box(scanner.scan(black_box(&hay))).len())
        });
        if name == "redact" {
            // What the same rewrite costs without a policy: the engine's own redactor.
            let redactor = dlpjet::Redactor::builder(scanner.clone())
                .style("credit_card", dlpjet::Style::Partial { keep_last: 4 })
                .build()
                .unwrap();
            g.bench_function(BenchmarkId::new("raw_redact", name), |b| {
                b.iter(|| black_box(redactor.redact(black_box(&hay))).len())
            });
        }
        g.bench_function(BenchmarkId::new("evaluate", name), |b| {
            b.iter(|| black_box(t.evaluate(Direction::Inbound, black_box(&hay))).findings.len())
        });
        g.bench_function(BenchmarkId::new("raw_stream_64k", name), |b| {
            b.iter(|| {
                let mut s = scanner.stream();
                let mut n = 0;
                for c in hay.chunks(64 * 1024) {
                    n += s.push(c).len();
                }
                n + s.finish().len()
            })
        });
        g.bench_function(BenchmarkId::new("stream_64k", name), |b| {
            let mut out = Vec::with_capacity(hay.len() + 1024);
            b.iter(|| {
                out.clear();
                let mut s = t.stream(Direction::Inbound);
                for c in hay.chunks(64 * 1024) {
                    s.push(c, &mut out).unwrap();
                }
                s.finish(&mut out).findings.len()
            })
        });
    }
    g.finish();
}

/// The gitleaks default rule set imported as custom detectors (skipped when the shared rule
/// sets are not beside the repository).
fn gitleaks(c: &mut Criterion) {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/rulesets/gitleaks-default.toml");
    if !rules.exists() {
        eprintln!("skipping policy/gitleaks: {} is absent", rules.display());
        return;
    }
    let hay = data::mixed(MIB);
    let text = format!("version = 1\n[[default.imports]]\ngitleaks = {:?}\n", rules.to_str().unwrap());
    let set = PolicySet::from_toml(&text, None).unwrap();
    let t = set.tenant("default").unwrap().clone();
    let plain = PolicySet::from_toml(WARN, None).unwrap().tenant("default").unwrap().clone();
    let mut g = c.benchmark_group("policy/gitleaks/mixed");
    g.throughput(Throughput::Bytes(hay.len() as u64)).sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function("builtins_only", |b| {
        b.iter(|| black_box(plain.evaluate(Direction::Inbound, &hay)).findings.len())
    });
    g.bench_function("builtins_plus_220_rules", |b| {
        b.iter(|| black_box(t.evaluate(Direction::Inbound, &hay)).findings.len())
    });
    g.bench_function("load_and_compile", |b| b.iter(|| PolicySet::from_toml(&text, None).unwrap().tenants().count()));
    g.finish();
}

criterion_group!(benches, policy, gitleaks);
criterion_main!(benches);
