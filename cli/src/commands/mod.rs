//! One module per subcommand; each `run` returns the process's exit code.

pub mod audit;
pub mod console;
pub mod detectors;
pub mod eval;
pub mod policy;
pub mod redact;
pub mod scan;
pub mod vault;
