//! `dlpjet redact`: stream a file or standard input through the redactor, to standard output,
//! to a file, or back into the file itself — atomically, so an interrupted run loses nothing.

use crate::args::{RedactArgs, StyleArg};
use anyhow::{bail, Context};
use dlpjet::{Redactor, Style};
use std::io::{self, Read, Write};
use std::path::Path;

const READ_SIZE: usize = 256 * 1024;

pub fn run(args: RedactArgs) -> anyhow::Result<u8> {
    let scanner = crate::detectors::scanner(&args.detect)?;
    let style = match args.style {
        StyleArg::Label => Style::Label,
        StyleArg::Mask => Style::Mask,
        StyleArg::Partial => Style::Partial { keep_last: args.keep_last },
        StyleArg::Pseudonym => Style::Pseudonym,
        StyleArg::Remove => Style::Remove,
    };
    let mut b = Redactor::builder(scanner).default_style(style);
    if let Some(var) = &args.pseudonym_key_env {
        let key = std::env::var(var).with_context(|| format!("environment variable {var} is not set"))?;
        b = b.pseudonym_key(key.as_bytes());
    }
    let redactor = b.build().context("invalid redaction options")?;
    let input = args.input.as_deref().filter(|p| p.as_os_str() != "-");
    if args.in_place {
        let Some(path) = input else { bail!("--in-place needs a file, not standard input") };
        let src = std::fs::File::open(path).with_context(|| path.display().to_string())?;
        let perms = src.metadata().with_context(|| path.display().to_string())?.permissions();
        return atomic_write(&redactor, src, path, Some(perms));
    }
    match (input, &args.output) {
        (None, None) => {
            let out = io::BufWriter::new(io::stdout().lock());
            stream(&redactor, io::stdin().lock(), out).context("standard output")?;
            Ok(0)
        }
        (Some(p), None) => {
            let src = std::fs::File::open(p).with_context(|| p.display().to_string())?;
            let out = io::BufWriter::new(io::stdout().lock());
            stream(&redactor, src, out).with_context(|| p.display().to_string())?;
            Ok(0)
        }
        (None, Some(o)) => atomic_write(&redactor, io::stdin().lock(), o, None),
        (Some(p), Some(o)) => {
            let src = std::fs::File::open(p).with_context(|| p.display().to_string())?;
            atomic_write(&redactor, src, o, None)
        }
    }
}

/// Redacts `src` into `w` in bounded memory.
fn stream(redactor: &Redactor, mut src: impl Read, w: impl Write) -> io::Result<impl Write> {
    let mut rw = redactor.writer(w);
    let mut buf = vec![0u8; READ_SIZE];
    loop {
        match src.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => rw.write_all(&buf[..n])?,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    let mut w = rw.finish()?;
    w.flush()?;
    Ok(w)
}

/// Writes the redacted `src` to a temporary file beside `target`, fsyncs it and renames it over
/// `target`. On any error the temporary file is removed and `target` is untouched.
fn atomic_write(
    redactor: &Redactor,
    src: impl Read,
    target: &Path,
    perms: Option<std::fs::Permissions>,
) -> anyhow::Result<u8> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".dlpjet-redact-")
        .tempfile_in(dir)
        .with_context(|| format!("{}: cannot create a temporary file", dir.display()))?;
    let w = stream(redactor, src, io::BufWriter::new(tmp.as_file())).with_context(|| target.display().to_string())?;
    drop(w);
    if let Some(p) = perms {
        tmp.as_file().set_permissions(p).with_context(|| target.display().to_string())?;
    }
    tmp.as_file().sync_all().with_context(|| target.display().to_string())?;
    tmp.persist(target).map_err(|e| e.error).with_context(|| target.display().to_string())?;
    Ok(0)
}
