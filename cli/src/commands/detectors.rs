//! `dlpjet detectors`: the built-in detectors, what each finds and how it is validated.

use crate::args::DetectorsArgs;
use std::io::Write;

pub fn run(a: DetectorsArgs) -> anyhow::Result<u8> {
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
