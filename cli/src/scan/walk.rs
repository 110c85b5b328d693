//! The walk: the inputs named on the command line, directories expanded lazily with ripgrep's
//! ignore and hidden-file rules.

use super::input::{Input, Item};
use crate::args::ScanArgs;
use crate::errors::io_message;
use std::path::PathBuf;

/// The inputs named on the command line, directories expanded lazily, honouring ignore rules
/// and hidden-file rules the way ripgrep does. Problems (missing paths, unreadable directories)
/// come as errors in their place.
pub(crate) fn walk(args: &ScanArgs) -> impl Iterator<Item = Item> + Send + use<> {
    let (hidden, no_ignore) = (args.hidden, args.no_ignore);
    let paths = if args.paths.is_empty() { vec![PathBuf::from("-")] } else { args.paths.clone() };
    paths.into_iter().flat_map(move |p| -> Box<dyn Iterator<Item = Item> + Send> {
        if p.as_os_str() == "-" {
            return Box::new(std::iter::once(Ok(Input::Stdin)));
        }
        match std::fs::metadata(&p) {
            Err(e) => Box::new(std::iter::once(Err(format!("{}: {}", p.display(), io_message(&e))))),
            Ok(m) if m.is_dir() => {
                let walker = ignore::WalkBuilder::new(&p)
                    .hidden(!hidden)
                    .ignore(!no_ignore)
                    .git_ignore(!no_ignore)
                    .git_global(!no_ignore)
                    .git_exclude(!no_ignore)
                    .parents(!no_ignore)
                    // Entries of one directory share its path up to their names, so comparing
                    // whole paths as bytes orders them by name; `Path::cmp` would give the same
                    // order but parses components on every comparison.
                    .sort_by_file_path(|a, b| a.as_os_str().cmp(b.as_os_str()))
                    .build();
                Box::new(walker.filter_map(|entry| match entry {
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => Some(Ok(Input::File(e.into_path()))),
                    Ok(_) => None,
                    Err(e) => Some(Err(walk_message(&e))),
                }))
            }
            Ok(_) => Box::new(std::iter::once(Ok(Input::Named(p)))),
        }
    })
}

fn walk_message(e: &ignore::Error) -> String {
    match e {
        ignore::Error::WithPath { path, err } => format!("{}: {}", path.display(), walk_message(err)),
        ignore::Error::WithDepth { err, .. } => walk_message(err),
        ignore::Error::Io(io) => io_message(io),
        other => other.to_string(),
    }
}
