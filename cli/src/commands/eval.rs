//! `dlpjet eval`: scan a labelled corpus and score the findings against its ground truth.

use crate::args::EvalArgs;

pub fn run(a: EvalArgs) -> anyhow::Result<u8> {
    let truth = dlpjet_corpus::truth::read_truth(&a.truth)?;
    let dir = a.path.clone().unwrap_or_else(|| a.truth.parent().map(|p| p.to_path_buf()).unwrap_or_default());
    let report = dlpjet_corpus::eval::evaluate_dir(&truth, &dir, &dlpjet::Scanner::new())?;
    print!("{report}{}", report.details());
    let mut code = 0;
    if let Some(min) = a.min_f1.filter(|&m| report.min_f1() < m) {
        println!("below target: minimum F1 {:.4} < {min}", report.min_f1());
        code = 1;
    }
    if a.no_negatives && !report.negative_hits.is_empty() {
        println!("{} findings on hard negatives", report.negative_hits.len());
        code = 1;
    }
    Ok(code)
}
