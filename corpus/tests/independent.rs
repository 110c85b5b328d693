//! The independent scoring set (`corpus/independent/`): documents written by hand from public
//! specifications and vendors' formats, not by the corpus generator whose values the detectors
//! were tuned on. `python3 corpus/independent/build.py` writes them and their truth.

use dlpjet_corpus::eval::evaluate_dir;
use dlpjet_corpus::truth::read_truth;
use std::path::PathBuf;

#[test]
fn accuracy_on_the_independent_set() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("independent");
    let truth = read_truth(&dir.join("truth.jsonl")).unwrap();
    let report = evaluate_dir(&truth, &dir, &dlpjet::Scanner::new()).unwrap();
    println!("{report}");
    println!("{}", report.details());
    assert!(report.negative_hits.is_empty(), "hard negatives reported: {:?}", report.negative_hits);
    for (id, c) in &report.per_detector {
        assert!(c.f1() >= 0.95, "{id}: F1 {:.3}\n{report}", c.f1());
    }
}
