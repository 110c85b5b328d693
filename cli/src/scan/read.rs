//! Reading and scanning one input: whole when it fits the worker's buffer, streamed through
//! the engine otherwise, with line and column of each finding.

use super::input::Input;
use super::output::{Findings, Outcome, Skip, Style};
use crate::args::ScanArgs;
use crate::detection::Detection;
use crate::errors::io_message;
use dlpjet::Event;
use std::io::{self, Read};

/// Read buffer per worker thread. Inputs that fit are scanned in one go; larger ones are
/// streamed through it, and the engine holds back at most `Scanner::max_holdback` more.
const READ_SIZE: usize = 4 << 20;
thread_local! {
    /// Each worker thread's read buffer, allocated once and reused for every input.
    pub(super) static READ_BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; READ_SIZE]);
}

thread_local! {
    /// Findings buffers printed and handed back, for this worker's next inputs.
    pub(super) static SPARE: std::cell::RefCell<Vec<Findings>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// How much of a file is checked for NUL bytes to decide that it is binary.
const BINARY_PROBE: usize = 8 * 1024;

/// The most bytes of a streamed input dense with values handed to the engine at once.
const PUSH_SIZE: usize = 256 << 10;

/// The most bytes of other text handed to the engine at once.
const SPARSE_PUSH_SIZE: usize = 1 << 20;

/// Text with more than one finding per this many bytes is dense (the mixed corpus has one per
/// 1,500 bytes; a list of addresses one per 7).
const DENSE_BYTES: usize = 256;

/// Rendered findings of a streamed input above which they are handed to [`Flush`] as the input
/// is read, rather than held until it ends.
const FLUSH_AT: usize = 1 << 20;

/// Writes an input's rendered findings out while it is still being read, when it is the input
/// printed next (emptying them), or leaves them to be printed with the rest. An error ends
/// the input: the output is gone.
pub(super) type Flush<'a> = &'a mut dyn FnMut(&mut Vec<u8>) -> io::Result<()>;

/// Scans one input: its findings, or the one-line reason it could not be read.
pub(super) fn scan_input(
    det: &Detection,
    input: &Input,
    args: &ScanArgs,
    style: &Style,
    buf: &mut [u8],
    flush: Flush<'_>,
) -> Outcome {
    let shown = input.shown();
    let path = shown.as_deref();
    let result = match input {
        Input::Stdin => scan_reader(det, io::stdin().lock(), path, args.binary, style, buf, flush),
        Input::File(p) | Input::Named(p) => super::open::open(p).and_then(|f| {
            if let Some(max) = args.max_filesize {
                if f.metadata()?.len() > max {
                    return Ok(Outcome { skipped: Some(Skip::TooLarge(max)), ..Outcome::default() });
                }
            }
            scan_reader(det, f, path, args.binary, style, buf, flush)
        }),
    };
    result.unwrap_or_else(|e| Outcome { error: Some(io_message(&e)), ..Outcome::default() })
}

/// Tracks line and column (1-based, in bytes) of absolute offsets as bytes go past.
#[derive(Debug)]
struct Lines {
    line: u64,
    line_start: u64,
    pos: u64,
}

impl Lines {
    fn advance(&mut self, b: &[u8]) {
        let mut count = 0;
        if let Some(last) = memchr::memrchr(b'\n', b) {
            count = memchr::memchr_iter(b'\n', &b[..last]).count() as u64 + 1;
            self.line_start = self.pos + last as u64 + 1;
        }
        self.line += count;
        self.pos += b.len() as u64;
    }
}

/// Reads into `buf` until it is full or the input ends.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Scans `r` with `buf`, the worker's reusable read buffer. An input that fits in one buffer
/// is scanned in one go; a larger one is streamed through the engine, so memory stays bounded
/// by the buffer and the engine's holdback whatever the size of the input, and its findings
/// go to `flush` as they pile up (text and JSON lines; the whole-run formats hold them).
pub fn scan_reader(
    det: &Detection,
    mut r: impl Read,
    path: Option<&str>,
    binary: bool,
    style: &Style,
    buf: &mut [u8],
    flush: Flush<'_>,
) -> io::Result<Outcome> {
    let mut out = Outcome { findings: SPARE.with_borrow_mut(Vec::pop).unwrap_or_default(), ..Outcome::default() };
    let n = fill(&mut r, buf)?;
    if let Some(endian) = dlpjet::utf16::detect(&buf[..n]) {
        // UTF-16 text (its NUL bytes are not binary): read whole, scanned as UTF-8, reported
        // with offsets of the original bytes and lines and columns of the text.
        let mut all = buf[..n].to_vec();
        r.read_to_end(&mut all)?;
        if all.len() > dlpjet::utf16::MAX_LEN {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "UTF-16 input over 4 GiB is not scanned"));
        }
        out.bytes = all.len() as u64;
        let text = dlpjet::utf16::Utf16Text::decode(&all, endian);
        let mut lines = Lines { line: 1, line_start: 0, pos: 0 };
        for f in det.scanner.scan(&text.utf8) {
            let Some(action) = det.action(&f) else { continue };
            lines.advance(&text.utf8[lines.pos as usize..f.start]);
            let at = (lines.line, f.start as u64 - lines.line_start + 1);
            let value = f.bytes(&text.utf8).to_vec();
            out.findings.push(style, path, &text.to_original(f), &value, at, action);
        }
        return Ok(out);
    }
    if !binary && memchr::memchr(0, &buf[..n.min(BINARY_PROBE)]).is_some() {
        out.skipped = Some(Skip::Binary);
        return Ok(out);
    }
    out.bytes = n as u64;
    let mut lines = Lines { line: 1, line_start: 0, pos: 0 };
    if n < buf.len() {
        let data = &buf[..n];
        for f in det.scanner.scan(data) {
            let Some(action) = det.action(&f) else { continue };
            lines.advance(&data[lines.pos as usize..f.start]);
            let at = (lines.line, f.start as u64 - lines.line_start + 1);
            out.findings.push(style, path, &f, f.bytes(data), at, action);
        }
        return Ok(out);
    }
    let on_event = |e: Event<'_>, lines: &mut Lines, findings: &mut Findings| match e {
        Event::Bytes(b) => lines.advance(b),
        Event::Finding(f, v) => {
            if let Some(action) = det.action(f) {
                findings.push(style, path, f, v, (lines.line, f.start as u64 - lines.line_start + 1), action);
            }
            lines.advance(v);
        }
    };
    let mut stream = det.scanner.stream();
    // The engine is handed the input in pieces, and the findings go out between them: what one
    // push holds (its candidates and findings) is bounded by the piece. Text dense with values
    // (and the start of every input, until its density is known) goes in small pieces; other
    // text in larger ones (256 KiB pieces throughout cost 8% on the mixed corpus).
    let mut dense = true;
    let mut push = |data: &[u8], lines: &mut Lines, out: &mut Outcome| -> io::Result<()> {
        let mut at = 0;
        while at < data.len() {
            let piece = &data[at..data.len().min(at + if dense { PUSH_SIZE } else { SPARSE_PUSH_SIZE })];
            let before = out.findings.total;
            stream.push_events(piece, |e| on_event(e, lines, &mut out.findings));
            dense = (out.findings.total - before) * DENSE_BYTES > piece.len();
            if out.findings.rendered.len() >= FLUSH_AT {
                flush(&mut out.findings.rendered)?;
            }
            at += piece.len();
        }
        Ok(())
    };
    push(&buf[..n], &mut lines, &mut out)?;
    loop {
        let n = match r.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        out.bytes += n as u64;
        push(&buf[..n], &mut lines, &mut out)?;
    }
    stream.finish_events(|e| on_event(e, &mut lines, &mut out.findings));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let mut l = Lines { line: 1, line_start: 0, pos: 0 };
        l.advance(b"ab\ncd\n");
        assert_eq!((l.line, l.line_start, l.pos), (3, 6, 6));
        l.advance(b"xyz");
        assert_eq!((l.line, l.line_start, l.pos), (3, 6, 9));
    }
}
