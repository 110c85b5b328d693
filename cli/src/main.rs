//! `dlpjet`: the command-line tool. See `dlpjet --help`.
//!
//! Modules: [`args`] (the command line), [`commands`] (one module per subcommand),
//! [`detection`] (the scanner and policy the detection options ask for), [`scan`] (the
//! scheduler of `dlpjet scan`: walk, workers, ordered output), [`errors`].

mod args;
mod commands;
mod detection;
mod errors;
mod scan;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let result = match cli.command {
        args::Command::Scan(a) => commands::scan::run(a),
        args::Command::Redact(a) => commands::redact::run(a),
        args::Command::Detectors(a) => commands::detectors::run(a),
        args::Command::Eval(a) => commands::eval::run(a),
        args::Command::Policy(a) => match a.command {
            args::PolicyCommand::Check(c) => commands::policy::check(c),
            args::PolicyCommand::Explain(e) => commands::policy::explain(e),
        },
        args::Command::Audit(a) => commands::audit::run(a),
        args::Command::Vault(a) => commands::vault::run(a),
        args::Command::Keys(a) => commands::vault::keys(a),
        args::Command::Gateway(a) => dlpjet_gateway::run(a.config).map(|()| 0).map_err(anyhow::Error::from),
        args::Command::Console(a) => commands::console::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`| head`): stop quietly.
        Err(e) if errors::is_broken_pipe(&e) => ExitCode::from(0),
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
            Some(io) => errors::io_message(io),
            None => c.to_string(),
        })
        .collect::<Vec<_>>()
        .join(": ")
}
