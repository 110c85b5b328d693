//! What the walk yields: the inputs to scan, or problems naming a path.

use std::borrow::Cow;
use std::path::PathBuf;

/// One thing to scan.
#[derive(Clone, Debug)]
pub enum Input {
    /// Standard input (`-`).
    Stdin,
    /// A file.
    File(PathBuf),
}

impl Input {
    /// The path as printed; `None` for standard input. Borrowed unless the path is not UTF-8.
    pub fn shown(&self) -> Option<Cow<'_, str>> {
        match self {
            Input::Stdin => None,
            Input::File(p) => Some(p.to_string_lossy()),
        }
    }
}

/// What the walk yields: an input, or a one-line problem with a path (naming it).
pub type Item = Result<Input, String>;
