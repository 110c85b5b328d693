//! `dlpjet`: the command-line tool. See `dlpjet --help`.

mod ahead;
mod args;
mod audit;
mod detectors;
mod jsonl;
mod open;
mod output;
mod policy;
mod redact;
mod scan;
mod vault;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let result = match cli.command {
        args::Command::Scan(a) => scan::run(a),
        args::Command::Redact(a) => redact::run(a),
        args::Command::Detectors(a) => list_detectors(a),
        args::Command::Eval(a) => eval(a),
        args::Command::Policy(a) => match a.command {
            args::PolicyCommand::Check(c) => policy::check(c),
        },
        args::Command::Audit(a) => audit::run(a),
        args::Command::Vault(a) => vault::run(a),
        args::Command::Keys(a) => vault::keys(a),
        args::Command::Gateway(a) => dlpjet_gateway::run(a.config).map(|()| 0).map_err(anyhow::Error::from),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`| head`): stop quietly.
        Err(e) if scan::is_broken_pipe(&e) => ExitCode::from(0),
        Err(e) => {
            eprintln!("dlpjet: {}", one_line(&e));
            ExitCode::from(2)
        }
    }
}

/// An error and its causes on one line: "context: cause: cause".
fn one_line(e: &anyhow::Error) -> String {
    e.chain()
        .map(|c| match c.downcast_ref::<std::io::Error>() {
            Some(io) => scan::io_message(io),
            None => c.to_string(),
        })
        .collect::<Vec<_>>()
        .join(": ")
}

fn list_detectors(a: args::DetectorsArgs) -> anyhow::Result<u8> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if a.json {
        let list: Vec<_> = dlpjet::Builtin::ALL
            .iter()
            .map(|b| {
                serde_json::json!({"id": b.id(), "description": b.description(), "validation": b.validation(),
                                   "example": dlpjet::preview(b.example().as_bytes())})
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &list)?;
        writeln!(out)?;
    } else {
        writeln!(out, "{:<22} {:<24} FINDS / VALIDATION", "ID", "EXAMPLE (MASKED)")?;
        for b in dlpjet::Builtin::ALL {
            writeln!(out, "{:<22} {:<24} {}", b.id(), dlpjet::preview(b.example().as_bytes()), b.description())?;
            writeln!(out, "{:<22} {:<24} validated by: {}", "", "", b.validation())?;
        }
    }
    Ok(0)
}

fn eval(a: args::EvalArgs) -> anyhow::Result<u8> {
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
