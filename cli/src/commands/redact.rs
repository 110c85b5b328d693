//! `dlpjet redact`: stream a file or standard input through the redactor, to standard output,
//! to a file, or back into the file itself — atomically, so an interrupted run loses nothing.

use crate::args::{RedactArgs, StyleArg};
use anyhow::{bail, Context};
use dlpjet::{Redactor, Style};
use dlpjet_policy::{Action, Blocked, Direction, Tenant};
use std::io::{self, Read, Seek, Write};
use std::path::Path;

const READ_SIZE: usize = 256 * 1024;

/// How the text is rewritten: one style for every finding, or a tenant's policy.
enum Rewriter {
    Styles(Redactor),
    Policy(Tenant, Direction),
}

pub fn run(args: RedactArgs) -> anyhow::Result<u8> {
    let what = args.input.as_deref().filter(|p| p.as_os_str() != "-");
    match redact(&args) {
        Err(e) if e.is::<Blocked>() => {
            let blocked = e.downcast_ref::<Blocked>().expect("checked");
            match what {
                Some(p) => eprintln!("dlpjet: {}: {blocked}", p.display()),
                None => eprintln!("dlpjet: {blocked}"),
            }
            Ok(1)
        }
        other => other,
    }
}

fn redact(args: &RedactArgs) -> anyhow::Result<u8> {
    let rewriter = match crate::detection::tenant(&args.detect)? {
        Some(t) => {
            if args.style != StyleArg::Label || args.pseudonym_key_env.is_some() {
                bail!("--style and --pseudonym-key-env do not go with --policy: the policy sets the styles");
            }
            Rewriter::Policy(t, crate::detection::direction(args.detect.direction))
        }
        None => Rewriter::Styles(styles(args)?),
    };
    let input = args.input.as_deref().filter(|p| p.as_os_str() != "-");
    if args.in_place {
        let Some(path) = input else { bail!("--in-place needs a file, not standard input") };
        let target = in_place_target(path)?;
        let src = std::fs::File::open(&target).with_context(|| target.display().to_string())?;
        let perms = src.metadata().with_context(|| target.display().to_string())?.permissions();
        return atomic_write(&rewriter, src, &target, Some(perms));
    }
    match (input, &args.output) {
        (None, None) => {
            to_stdout(&rewriter, io::stdin().lock()).context("standard output")?;
            Ok(0)
        }
        (Some(p), None) => {
            let src = std::fs::File::open(p).with_context(|| p.display().to_string())?;
            to_stdout(&rewriter, src).with_context(|| p.display().to_string())?;
            Ok(0)
        }
        (None, Some(o)) => atomic_write(&rewriter, io::stdin().lock(), o, None),
        (Some(p), Some(o)) => {
            let src = std::fs::File::open(p).with_context(|| p.display().to_string())?;
            atomic_write(&rewriter, src, o, None)
        }
    }
}

/// The file `--in-place` rewrites for `path`. A symbolic link is followed: its target is
/// redacted (atomically, beside itself) and the link stays a link to it; replacing the link
/// would leave the target raw. A file with other hard links is refused: the atomic rename
/// gives this name a new file and the other names would keep the raw text.
fn in_place_target(path: &Path) -> anyhow::Result<std::path::PathBuf> {
    let target = std::fs::canonicalize(path).with_context(|| path.display().to_string())?;
    let meta = std::fs::metadata(&target).with_context(|| target.display().to_string())?;
    if !meta.is_file() {
        bail!("{}: --in-place needs a regular file", path.display());
    }
    #[cfg(unix)]
    {
        let links = std::os::unix::fs::MetadataExt::nlink(&meta);
        if links > 1 {
            bail!(
                "{}: the file has {links} hard links, and --in-place would leave the raw text under the \
                 other names; redact with -o and copy the result over each name (nothing was written)",
                path.display()
            );
        }
    }
    Ok(target)
}

/// The redactor of `--style` and its options.
fn styles(args: &RedactArgs) -> anyhow::Result<Redactor> {
    let scanner = crate::detection::setup(&args.detect)?.scanner;
    let style = match args.style {
        StyleArg::Label => Style::Label,
        StyleArg::Mask => Style::Mask,
        StyleArg::Partial => Style::Partial { keep_last: args.keep_last },
        StyleArg::Pseudonym => Style::Pseudonym,
        StyleArg::Remove => Style::Remove,
    };
    let mut b = Redactor::builder(scanner).default_style(style);
    if let Some(var) = &args.pseudonym_key_env {
        let key = std::env::var(var).map_err(|_| anyhow::anyhow!("environment variable {var} is not set"))?;
        b = b.pseudonym_key(key.as_bytes());
    }
    b.build().context("invalid redaction options")
}

/// How much redacted text a policy run holds in memory before it spools to a temporary file.
const SPOOL_MEMORY: usize = 16 << 20;

/// Rewrites `src` to standard output. With styles the text streams out as it is rewritten.
/// Under a policy a blocking value may come last, and nothing of a blocked input may be
/// written: the rewritten text is held (in memory up to [`SPOOL_MEMORY`], then in an unnamed
/// temporary file) and copied out only once the whole input has passed.
fn to_stdout(rewriter: &Rewriter, src: impl Read) -> anyhow::Result<()> {
    match rewriter {
        Rewriter::Styles(_) => {
            stream(rewriter, src, io::BufWriter::new(io::stdout().lock()))?;
        }
        Rewriter::Policy(..) => {
            let mut held = stream(rewriter, src, tempfile::spooled_tempfile(SPOOL_MEMORY))?;
            held.seek(io::SeekFrom::Start(0))?;
            let mut out = io::stdout().lock();
            io::copy(&mut held, &mut out)?;
            out.flush()?;
        }
    }
    Ok(())
}

/// Reads `src` in bounded pieces, handing each to `push`.
fn pump(mut src: impl Read, mut push: impl FnMut(&[u8]) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let mut buf = vec![0u8; READ_SIZE];
    loop {
        match src.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => push(&buf[..n])?,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Rewrites `src` into `w`. UTF-16 text (`dlpjet::utf16::detect` on its first 4 KiB) is read
/// whole, rewritten as UTF-8 and written back in UTF-16 (same byte order, same byte-order
/// mark), so its values are found and the replacements are UTF-16 too; anything else is
/// streamed in bounded memory.
fn stream<W: Write>(rewriter: &Rewriter, mut src: impl Read, mut w: W) -> anyhow::Result<W> {
    let mut head = Vec::with_capacity(4096);
    (&mut src).take(4096).read_to_end(&mut head)?;
    if let Some(endian) = dlpjet::utf16::detect(&head) {
        let mut all = head;
        src.read_to_end(&mut all)?;
        if all.len() > dlpjet::utf16::MAX_LEN {
            bail!("UTF-16 input over 4 GiB is not redacted (nothing was written)");
        }
        let text = dlpjet::utf16::Utf16Text::decode(&all, endian);
        let out = stream_bytes(rewriter, &text.utf8[..], Vec::new())?;
        w.write_all(&text.encode(&out))?;
        w.flush()?;
        return Ok(w);
    }
    stream_bytes(rewriter, head.as_slice().chain(src), w)
}

/// Rewrites `src` into `w` in bounded memory. Under a policy, a blocking finding stops the
/// stream with [`Blocked`]; what was released before it has been written.
fn stream_bytes<W: Write>(rewriter: &Rewriter, src: impl Read, w: W) -> anyhow::Result<W> {
    match rewriter {
        Rewriter::Styles(redactor) => {
            let mut rw = redactor.writer(w);
            pump(src, |b| Ok(rw.write_all(b)?))?;
            let mut w = rw.finish()?;
            w.flush()?;
            Ok(w)
        }
        Rewriter::Policy(tenant, direction) => {
            let mut w = w;
            let mut s = tenant.stream(*direction);
            let mut out = Vec::new();
            pump(src, |b| {
                s.push(b, &mut out)?;
                w.write_all(&out)?;
                out.clear();
                Ok(())
            })?;
            let d = s.finish(&mut out);
            if let (Action::Block, Some(reason)) = (d.action, d.reason) {
                return Err(Blocked { reason }.into());
            }
            w.write_all(&out)?;
            w.flush()?;
            Ok(w)
        }
    }
}

/// Writes the redacted `src` to a temporary file beside `target`, fsyncs it and renames it over
/// `target`. On any error the temporary file is removed and `target` is untouched.
fn atomic_write(
    rewriter: &Rewriter,
    src: impl Read,
    target: &Path,
    perms: Option<std::fs::Permissions>,
) -> anyhow::Result<u8> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    clean_stale(dir);
    remove_pending_on_signals();
    let tmp = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
        .tempfile_in(dir)
        .with_context(|| format!("{}: cannot create a temporary file", dir.display()))?;
    *pending() = Some(tmp.path().to_path_buf());
    let written = (|| {
        let w =
            stream(rewriter, src, io::BufWriter::new(tmp.as_file())).with_context(|| target.display().to_string())?;
        drop(w);
        if let Some(p) = perms {
            tmp.as_file().set_permissions(p).with_context(|| target.display().to_string())?;
        }
        tmp.as_file().sync_all().with_context(|| target.display().to_string())?;
        anyhow::Ok(())
    })();
    let done = written.and_then(|()| {
        tmp.persist(target).map_err(|e| e.error).with_context(|| target.display().to_string())?;
        anyhow::Ok(())
    });
    *pending() = None;
    done.map(|()| 0)
}

/// The start of the names of redaction's temporary files: then the writer's process id.
const TEMP_PREFIX: &str = ".dlpjet-redact-";

/// The temporary file of the write in progress, if any: a signal that ends the run removes it.
fn pending() -> std::sync::MutexGuard<'static, Option<std::path::PathBuf>> {
    static PENDING: std::sync::Mutex<Option<std::path::PathBuf>> = std::sync::Mutex::new(None);
    PENDING.lock().unwrap_or_else(|p| p.into_inner())
}

/// On SIGINT, SIGTERM or SIGHUP, removes the pending temporary file and exits with 128 plus
/// the signal's number, as a shell reports it. Installed once, by the first atomic write.
fn remove_pending_on_signals() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else { return };
            std::thread::spawn(move || {
                if let Some(sig) = signals.forever().next() {
                    if let Some(p) = pending().take() {
                        let _ = std::fs::remove_file(p);
                    }
                    std::process::exit(128 + sig);
                }
            });
        });
    }
}

/// Removes temporary files of ours in `dir` whose writer is gone (killed with SIGKILL, or by a
/// power cut): `.dlpjet-redact-<pid>-…` where no process `pid` runs. Linux only (it asks
/// `/proc`); elsewhere they stay.
fn clean_stale(dir: &Path) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(TEMP_PREFIX)) else { continue };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else { continue };
        if pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}
