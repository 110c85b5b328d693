//! What the walk yields: the inputs to scan, or problems naming a path.

use std::borrow::Cow;
use std::path::PathBuf;

/// One thing to scan.
#[derive(Clone, Debug)]
pub enum Input {
    /// Standard input (`-`).
    Stdin,
    /// A file found in a directory walk.
    File(PathBuf),
    /// A file named on the command line: if it is not scanned, the exit code says so.
    Named(PathBuf),
}

impl Input {
    /// The path as printed; `None` for standard input. Borrowed unless the path is not UTF-8.
    pub fn shown(&self) -> Option<Cow<'_, str>> {
        match self {
            Input::Stdin => None,
            Input::File(p) | Input::Named(p) => Some(p.to_string_lossy()),
        }
    }

    /// The file's path; `None` for standard input.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Input::Stdin => None,
            Input::File(p) | Input::Named(p) => Some(p),
        }
    }

    /// Whether the input was named on the command line (standard input counts as named).
    pub fn named(&self) -> bool {
        !matches!(self, Input::File(_))
    }
}

/// What the walk yields: an input, or a one-line problem with a path (naming it).
pub type Item = Result<Input, String>;
