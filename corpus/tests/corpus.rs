//! The committed samples are exactly what the generator makes from seed 1, and the engine
//! meets its accuracy target on them (and on a larger generated corpus).

use dlpjet::Scanner;
use dlpjet_corpus::eval::evaluate;
use dlpjet_corpus::truth::{read_truth, TRUTH_FILE};
use std::collections::HashMap;
use std::path::PathBuf;

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples")
}

#[test]
fn committed_samples_match_the_generator() {
    let docs = dlpjet_corpus::generate(1, 120);
    let truth = read_truth(&samples().join(TRUTH_FILE)).unwrap();
    let labels: Vec<_> = docs.iter().flat_map(|d| d.labels.clone()).collect();
    assert_eq!(truth, labels, "regenerate with `dlpjet-corpus generate --seed 1 --docs 120 corpus/samples`");
    for d in &docs {
        assert_eq!(std::fs::read_to_string(samples().join(&d.name)).unwrap(), d.text, "{}", d.name);
    }
}

fn check(docs: &[dlpjet_corpus::Doc]) {
    let scanner = Scanner::new();
    let truth: Vec<_> = docs.iter().flat_map(|d| d.labels.clone()).collect();
    let findings: HashMap<_, _> = docs.iter().map(|d| (d.name.clone(), scanner.scan(d.text.as_bytes()))).collect();
    let report = evaluate(&truth, &findings);
    for b in dlpjet::Builtin::ALL {
        let c = report.per_detector.get(b.id()).unwrap_or_else(|| panic!("no planted {}", b.id()));
        assert!(c.tp > 0, "{}", b.id());
        assert!(c.f1() >= 0.99, "{}: F1 {:.4}\n{report}", b.id(), c.f1());
    }
    assert!(report.negative_hits.is_empty(), "{:?}", report.negative_hits);
}

#[test]
fn accuracy_on_the_committed_samples() {
    check(&dlpjet_corpus::generate(1, 120));
}

#[test]
fn accuracy_on_a_larger_corpus() {
    check(&dlpjet_corpus::generate(20_261_123, 800));
}

#[test]
fn eval_counts() {
    let docs = dlpjet_corpus::generate(3, 5);
    let truth: Vec<_> = docs.iter().flat_map(|d| d.labels.clone()).collect();
    // No findings at all: every planted value is a false negative.
    let report = evaluate(&truth, &HashMap::new());
    let planted = truth.iter().filter(|l| l.detector.is_some()).count();
    assert_eq!(report.per_detector.values().map(|c| c.fn_).sum::<usize>(), planted);
    assert!(report.min_f1() == 0.0);
}
