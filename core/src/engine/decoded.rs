//! The decoding lanes: values hidden by an escape or a base64 block.
//!
//! **Escapes.** An escape ([`crate::decode::escape_at`]) starts a *segment*; every further
//! escape less than [`GAP`] bytes after the previous one joins it, up to [`SEG_MAX`] bytes. The
//! segment, [`LOOKBACK`] bytes before it (context words, an e-mail's local part) and [`AFTER`]
//! bytes after it are decoded and scanned by the plain lanes. A decoded candidate is kept only
//! when it covers an escape of the segment or touches one (`%0A4111…`: glued to the escape in
//! the raw bytes; the plain lanes report the others) and starts no
//! further back than the *joinable run* before the segment ([`joinable_start`]); it is
//! reported with the raw span of the bytes it was decoded from.
//!
//! **Base64.** A run of at least [`B64_MIN`] base64 characters is cut into blocks of the
//! scanner's size cap from its start; a block that decodes to text is scanned, and its
//! candidates are reported with the span of the characters they were decoded from.
//!
//! Both lanes judge a segment or run only when every byte it depends on has arrived, so the
//! result does not depend on how the data was split (see `core/DESIGN.md`).

use crate::decode::{self, Decoded, Esc};
use crate::detect::{Candidate, Rejected, Sink, LOOKBACK};
use crate::simd;

/// Escapes closer than this to the previous one belong to the same segment.
pub(crate) const GAP: usize = 64;
/// The longest segment; a longer chain of escapes starts a new segment here.
pub(crate) const SEG_MAX: usize = 512;
/// Bytes after a segment's last escape that are decoded with it (a value's tail, a domain,
/// context words after it).
pub(crate) const AFTER: usize = 256;
/// The fewest base64 characters read as a block (12 decoded bytes; the vectorised run search,
/// [`simd::find_b64_run16`], is built for this length).
pub(crate) const B64_MIN: usize = 16;

/// How deep and how much the decoding lanes decode.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DecodeConfig {
    /// Levels of encoding undone (0: the lanes are off). Decoded text is scanned by the decoding
    /// lanes again while levels remain.
    pub depth: u8,
    /// The most base64 characters decoded as one block (a multiple of 4).
    pub b64_block: usize,
}

impl DecodeConfig {
    /// The most bytes after its start that a segment or base64 block reads.
    pub fn reach(&self) -> usize {
        if self.depth == 0 {
            0
        } else {
            (SEG_MAX + decode::MAX_ESCAPE + AFTER).max(self.b64_block + 1)
        }
    }
}

/// Whether the raw byte at `k` can be inside a value that goes on after it: anything but
/// whitespace; a space or tab after a group of a grouped number (digits not glued to a
/// lower-case word: `4111 1111`, `+1 212 555`), a capital (`GB82 WEST`) or `)` (`(212) 555`);
/// and the line break of a quoted-printable soft break (`=\n`, `=\r\n`). Prose like
/// `word0 word1 ` joins nothing, so a stream does not hold it back for an escape to come.
#[inline]
fn joins(raw: &[u8], k: usize) -> bool {
    let before = |n: usize| k.checked_sub(n).map(|j| raw[j]);
    match raw[k] {
        b' ' | b'\t' => match before(1) {
            Some(b'A'..=b'Z' | b')') => true,
            Some(b'0'..=b'9') => {
                let digits = raw[..k].iter().rev().take(LOOKBACK).take_while(|b| b.is_ascii_digit()).count();
                !matches!(k.checked_sub(digits + 1).map(|j| raw[j]), Some(b'a'..=b'z'))
            }
            _ => false,
        },
        b'\r' => before(1) == Some(b'='),
        b'\n' => before(1) == Some(b'=') || (before(1) == Some(b'\r') && before(2) == Some(b'=')),
        b => !b.is_ascii_whitespace(),
    }
}

/// The start of the joinable run that ends at `i` (exclusive), no further back than
/// `LOOKBACK` bytes nor `floor`. A decoded value that covers an escape at `i` starts there or later.
#[inline]
pub(crate) fn joinable_start(raw: &[u8], i: usize, floor: usize) -> usize {
    let floor = floor.max(i.saturating_sub(LOOKBACK));
    let mut s = i;
    while s > floor && joins(raw, s - 1) {
        s -= 1;
    }
    s
}

/// What scans decoded bytes (the whole of them: the data ends with them) into a sink, with the
/// levels of decoding left: the engine's lanes.
pub(crate) type ScanDecoded<'s> = dyn Fn(&[u8], &mut Sink, u8) + 's;

/// Scratch buffers of one decoded window.
#[derive(Default)]
struct Scratch {
    decoded: Decoded,
    cands: Vec<Candidate>,
    rejected: Vec<Rejected>,
}

/// The escape lane over `buf` from its cursor. Returns with the cursor at the first segment
/// not yet judged (or the end). `scan` reads what a segment's window decodes to.
pub(crate) fn escape_lane(
    buf: &[u8],
    base: usize,
    eof: bool,
    cursor: &mut usize,
    sink: &mut Sink,
    depth: u8,
    scan: &ScanDecoded,
) {
    // Leads come every hundred bytes or so in `key=value` text: the search is inlined into the
    // lane (with AVX2 where the CPU has it), not called once per lead.
    #[cfg(target_arch = "x86_64")]
    if simd::has_avx2() {
        // SAFETY: the CPU has AVX2.
        unsafe { escape_lane_avx2(buf, base, eof, cursor, sink, depth, scan) };
        return;
    }
    escape_lane_with(buf, base, eof, cursor, sink, depth, scan, simd::find_escape_lead);
}

/// [`escape_lane`] compiled for AVX2, with its search inlined.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn escape_lane_avx2(
    buf: &[u8],
    base: usize,
    eof: bool,
    cursor: &mut usize,
    sink: &mut Sink,
    depth: u8,
    scan: &ScanDecoded,
) {
    // SAFETY: the CPU has AVX2 (this function's own promise).
    let find = |hay: &[u8], from: usize| unsafe { simd::find_escape_lead_avx2(hay, from) };
    escape_lane_with(buf, base, eof, cursor, sink, depth, scan, find);
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn escape_lane_with(
    buf: &[u8],
    base: usize,
    eof: bool,
    cursor: &mut usize,
    sink: &mut Sink,
    depth: u8,
    scan: &ScanDecoded,
    find: impl Fn(&[u8], usize) -> Option<usize>,
) {
    let mut pos = *cursor - base;
    let mut scratch = None;
    while let Some(i) = find(buf, pos) {
        // `key=value` is the common `=`: only a quoted-printable signal anchors a window
        // (`=\n`, `=20\n`, `=09\n`, `=3D"`, `=C3=A9`), so most are ruled out by one byte.
        if buf[i] == b'=' && !decode::qp_may_anchor(buf, i) {
            pos = i + 1;
            continue;
        }
        let first = match decode::escape_at(buf, i, eof) {
            Esc::Incomplete => {
                *cursor = base + i;
                return;
            }
            Esc::No => {
                pos = i + 1;
                continue;
            }
            e @ Esc::Yes { len, .. } => match decode::anchors_window(buf, i, e, eof) {
                Some(anchors) => (len as usize, anchors),
                None => {
                    *cursor = base + i;
                    return;
                }
            },
        };
        if !first.1 {
            pos = i + first.0;
            continue;
        }
        // Chain the escapes that follow.
        let mut last = i + first.0;
        let mut j = last;
        let closed = loop {
            let limit = (last + GAP).min(i + SEG_MAX);
            match find(buf, j).filter(|&k| k < limit) {
                None if limit > buf.len() && !eof => break false,
                None => break true,
                Some(k) => match decode::escape_at(buf, k, eof) {
                    Esc::Incomplete => break false,
                    Esc::No => j = k + 1,
                    Esc::Yes { len, .. } => {
                        let e = k + len as usize;
                        if e > i + SEG_MAX {
                            break true;
                        }
                        last = e;
                        j = e;
                    }
                },
            }
        };
        let we = last + AFTER;
        if !closed || (we > buf.len() && !eof) {
            *cursor = base + i;
            return;
        }
        let ws = i.saturating_sub(LOOKBACK);
        let truncated = we <= buf.len();
        let raw = &buf[ws..we.min(buf.len())];
        let s = scratch.get_or_insert_with(Scratch::default);
        if s.decoded.escapes(raw) {
            judge_decoded(s, raw, base + ws, truncated, sink, depth, Some(i - ws), scan);
            // A window read as quoted-printable is read as plain text too: a `key=` ending a
            // long line is a soft break to one reading and a line break to the other, and what
            // either finds is reported (`password=\n078%2D05%2D1120`: the SSN after the break).
            s.decoded.escapes_as(raw, false);
        }
        judge_decoded(s, raw, base + ws, truncated, sink, depth, Some(i - ws), scan);
        pos = last;
    }
    *cursor = base + buf.len();
}

/// The base64 lane over `buf` from its cursor, in blocks of `block` characters. The cursor
/// ends at the start of a run that may still grow (or the end).
#[allow(clippy::too_many_arguments)]
pub(crate) fn base64_lane(
    buf: &[u8],
    base: usize,
    eof: bool,
    cursor: &mut usize,
    sink: &mut Sink,
    depth: u8,
    block: usize,
    scan: &ScanDecoded,
) {
    let mut pos = *cursor - base;
    let mut scratch = None;
    while let Some(rs) = simd::find_b64_run16(buf, pos) {
        let re = simd::b64_run_end(buf, rs + B64_MIN);
        // A block of the size cap is final once it is here; a shorter one once its run has ended.
        let full = re - rs >= block;
        if re == buf.len() && !eof && !full {
            *cursor = base + rs;
            return;
        }
        let be = if full { rs + block } else { re };
        if be - rs >= B64_MIN {
            // (A block cut by the size cap may leave a shorter rest.)
            let s = scratch.get_or_insert_with(Scratch::default);
            if decode::b64_prefix_may_be_text(&buf[rs..]) && s.decoded.base64(&buf[rs..be]) {
                let truncated = be < re || (be == buf.len() && !eof);
                judge_decoded(s, &buf[rs..be], base + rs, truncated, sink, depth, None, scan);
            }
        }
        pos = be;
    }
    // The run of base64 characters at the end may continue in the next chunk.
    let tail = buf[pos.min(buf.len())..].iter().rev().take_while(|&&b| decode::b64_char(b)).count();
    *cursor = if eof { base + buf.len() } else { base + buf.len() - tail };
}

/// Scans `s.decoded` (decoded from `raw`, which starts at absolute `abs`) with the plain
/// lanes, and the decoding lanes while depth remains, then reports its candidates with raw
/// spans. With `segment` (where the segment starts in `raw`), a candidate must cover an
/// escape of the segment and start no further back than the segment's joinable run: what
/// the stream's frontier promises ([`joinable_start`] of the lane's cursor).
#[allow(clippy::too_many_arguments)]
fn judge_decoded(
    s: &mut Scratch,
    raw: &[u8],
    abs: usize,
    truncated: bool,
    sink: &mut Sink,
    depth: u8,
    segment: Option<usize>,
    scan: &ScanDecoded,
) {
    s.cands.clear();
    s.rejected.clear();
    let explaining = sink.rejected.is_some();
    let d = &s.decoded;
    {
        let mut inner = Sink {
            base: 0,
            cands: &mut s.cands,
            rejected: if explaining { Some(&mut s.rejected) } else { None },
            gate: sink.gate,
            enabled: sink.enabled,
        };
        scan(&d.bytes, &mut inner, depth - 1);
    }
    let dlen = d.bytes.len();
    // Where the segment's joinable run starts: no kept candidate starts before it.
    let floor = segment.map(|seg| (seg, joinable_start(raw, seg, 0)));
    // The raw span of a decoded candidate that may be reported.
    let keep = |st: usize, en: usize| -> Option<(usize, usize)> {
        if st >= en || en > dlen || (truncated && en == dlen) {
            return None;
        }
        let (rs, re) = d.raw_span(st, en);
        if let Some((seg, floor)) = floor {
            if !(d.covers_escape(st, en, seg) || d.touches_escape(st, en, seg)) || rs < floor {
                return None;
            }
        }
        Some((abs + rs, abs + re))
    };
    for c in &s.cands {
        if let Some((st, en)) = keep(c.start, c.end) {
            let mut why = c.why;
            why.context = why.context.and_then(|(a, b)| {
                (a < b && b <= dlen).then(|| {
                    let (x, y) = d.raw_span(a, b);
                    (abs + x, abs + y)
                })
            });
            sink.cands.push(Candidate { det: c.det, start: st, end: en, confidence: c.confidence, why });
        }
    }
    if let Some(out) = sink.rejected.as_deref_mut() {
        for r in &s.rejected {
            if let Some((st, en)) = keep(r.start, r.end) {
                out.push(Rejected { det: r.det, start: st, end: en, reason: r.reason });
            }
        }
    }
}
