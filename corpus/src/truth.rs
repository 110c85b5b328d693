//! Reading and writing a corpus directory: the documents and `truth.jsonl`.

use crate::{Doc, Label};
use std::fs;
use std::io::{self, BufRead, Write};
use std::path::Path;

/// The ground-truth file inside a corpus directory.
pub const TRUTH_FILE: &str = "truth.jsonl";

/// Writes `docs` into `dir` (created if missing) with their `truth.jsonl`.
///
/// # Errors
/// Any I/O error, with the path in the message.
pub fn write_dir(dir: &Path, docs: &[Doc]) -> io::Result<()> {
    fs::create_dir_all(dir).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
    let mut truth = Vec::new();
    for d in docs {
        let p = dir.join(&d.name);
        fs::write(&p, &d.text).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))?;
        for l in &d.labels {
            serde_json::to_writer(&mut truth, l).expect("labels serialise");
            truth.push(b'\n');
        }
    }
    let p = dir.join(TRUTH_FILE);
    let mut f = fs::File::create(&p).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))?;
    f.write_all(&truth)
}

/// Reads a truth file.
///
/// # Errors
/// An I/O error, or a line that is not a label, naming the file and line.
pub fn read_truth(path: &Path) -> io::Result<Vec<Label>> {
    let f = fs::File::open(path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let mut out = Vec::new();
    for (i, line) in io::BufReader::new(f).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let l: Label = serde_json::from_str(&line).map_err(|e| {
            io::Error::new(io::ErrorKind::InvalidData, format!("{}:{}: not a truth label: {e}", path.display(), i + 1))
        })?;
        if (l.detector.is_some()) == (l.negative.is_some()) || l.start > l.end {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{}:{}: a label needs exactly one of detector/negative and start <= end",
                    path.display(),
                    i + 1
                ),
            ));
        }
        out.push(l);
    }
    Ok(out)
}
