//! Batch calls over whole columns: the rows are borrowed (from Python `str`/`bytes` objects or
//! straight from Arrow buffers), scanned with the GIL released on every core, and the results
//! come back as a few flat buffers that the Python side turns into Arrow columns.

use crate::text::output;
use dlpjet_policy::{Action, DecidedFinding, Direction, Tenant};
use engine::offsets::{TextIndex, Unit};
use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use std::collections::HashMap;

/// The most bytes of rows scanned between two checks for signals (Ctrl-C): about a tenth of a
/// second of both cores' work.
const WAVE_BYTES: usize = 32 << 20;
/// The most rows scanned between two checks for signals.
const WAVE_ROWS: usize = 200_000;

/// The detector ids a scanner can report, and the code of each in the batch results.
#[derive(Debug)]
pub struct Ids {
    names: Vec<String>,
    codes: HashMap<String, i32>,
}

impl Ids {
    pub fn of(t: &Tenant) -> Ids {
        let names: Vec<String> = t.plans().iter().map(|p| p.id.clone()).collect();
        let codes = names.iter().enumerate().map(|(i, n)| (n.clone(), i as i32)).collect();
        Ids { names, codes }
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    fn code(&self, id: &str) -> i32 {
        // Every finding comes from one of the tenant's detectors.
        self.codes.get(id).copied().unwrap_or(-1)
    }
}

/// One row: its bytes and whether it is text (offsets in code points) or binary.
#[derive(Clone, Copy, Debug)]
pub struct Row<'a> {
    data: &'a [u8],
    text: bool,
}

/// The rows of one batch; `None` for a null row.
#[derive(Debug)]
pub struct Rows<'a> {
    rows: Vec<Option<Row<'a>>>,
}

/// The items of a list or tuple (or any iterable), held so their text can be borrowed.
pub fn items<'py>(rows: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if let Ok(l) = rows.cast::<PyList>() {
        return Ok(l.iter().collect());
    }
    if let Ok(t) = rows.cast::<PyTuple>() {
        return Ok(t.iter().collect());
    }
    if rows.cast::<PyString>().is_ok() || rows.cast::<PyBytes>().is_ok() {
        return Err(PyTypeError::new_err("expected a sequence of texts, got a single text (wrap it in a list)"));
    }
    rows.try_iter()?.collect()
}

impl<'a> Rows<'a> {
    pub fn of_items<'py>(items: &'a [Bound<'py, PyAny>]) -> PyResult<Rows<'a>> {
        let rows = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                if item.is_none() {
                    Ok(None)
                } else if let Ok(s) = item.cast::<PyString>() {
                    Ok(Some(Row { data: s.to_str()?.as_bytes(), text: true }))
                } else if let Ok(b) = item.cast::<PyBytes>() {
                    Ok(Some(Row { data: b.as_bytes(), text: false }))
                } else {
                    let name = item.get_type().name()?.to_string();
                    Err(PyTypeError::new_err(format!("row {i}: expected str, bytes or None, got {name}")))
                }
            })
            .collect::<PyResult<_>>()?;
        Ok(Rows { rows })
    }

    pub fn of_arrow(chunks: &'a ArrowChunks, large: bool, text: bool) -> PyResult<Rows<'a>> {
        let width = if large { 8 } else { 4 };
        let mut rows = Vec::with_capacity(chunks.chunks.iter().map(|c| c.length).sum());
        for (n, c) in chunks.chunks.iter().enumerate() {
            let bad = |what: String| PyValueError::new_err(format!("malformed Arrow array (chunk {n}): {what}"));
            let validity = c.validity.as_ref().map(Buf::bytes);
            let offsets = c.offsets.bytes();
            let data = c.data.as_ref().map(Buf::bytes).unwrap_or_default();
            let need = (c.offset + c.length + 1) * width;
            if offsets.len() < need {
                return Err(bad(format!(
                    "{} offset bytes for {} rows at offset {}",
                    offsets.len(),
                    c.length,
                    c.offset
                )));
            }
            if let Some(v) = validity {
                if v.len() * 8 < c.offset + c.length {
                    return Err(bad(format!("validity bitmap of {} bytes for {} rows", v.len(), c.offset + c.length)));
                }
            }
            let at = |i: usize| -> usize {
                let b = &offsets[i * width..(i + 1) * width];
                let v = if large {
                    i64::from_le_bytes(b.try_into().unwrap_or_default())
                } else {
                    i32::from_le_bytes(b.try_into().unwrap_or_default()) as i64
                };
                usize::try_from(v).unwrap_or(usize::MAX)
            };
            for i in c.offset..c.offset + c.length {
                if validity.is_some_and(|v| v[i / 8] & (1 << (i % 8)) == 0) {
                    rows.push(None);
                    continue;
                }
                let (start, end) = (at(i), at(i + 1));
                if start > end || end > data.len() {
                    return Err(bad(format!(
                        "row {}: offsets {start}..{end} outside {} data bytes",
                        i - c.offset,
                        data.len()
                    )));
                }
                rows.push(Some(Row { data: &data[start..end], text }));
            }
        }
        Ok(Rows { rows })
    }

    /// Runs `f` on blocks of rows of about equal work, in parallel (the engine's batch
    /// scheduling), with the GIL released. The rows go in waves of about [`WAVE_BYTES`] (or
    /// [`WAVE_ROWS`]); between waves the GIL is taken back and pending signals are handled, so
    /// Ctrl-C interrupts a large batch within a fraction of a second (KeyboardInterrupt).
    fn map_blocks<R: Send>(
        &self,
        py: Python<'_>,
        f: impl Fn(usize, &[Option<Row<'a>>]) -> R + Sync + Send,
    ) -> PyResult<Vec<R>> {
        let rows = &self.rows;
        let size = |r: &Option<Row<'a>>| r.map_or(0, |r| r.data.len());
        let mut out = Vec::new();
        let mut at = 0;
        while at < rows.len() {
            let (mut end, mut bytes) = (at, 0);
            while end < rows.len() && (end == at || (bytes < WAVE_BYTES && end - at < WAVE_ROWS)) {
                bytes += size(&rows[end]);
                end += 1;
            }
            let wave = &rows[at..end];
            let f = &f;
            out.extend(py.detach(|| engine::batch::map_blocks(wave.iter().map(size), |b| f(at + b.start, &wave[b]))));
            py.check_signals()?;
            at = end;
        }
        Ok(out)
    }

    fn all_text(&self) -> bool {
        self.rows.iter().flatten().all(|r| r.text)
    }
}

/// A buffer exported by pyarrow (as signed bytes) or any other producer (unsigned).
enum Buf {
    Signed(PyBuffer<i8>),
    Unsigned(PyBuffer<u8>),
}

impl Buf {
    fn get(o: &Bound<'_, PyAny>, what: &str) -> PyResult<Buf> {
        let b = match PyBuffer::<u8>::get(o) {
            Ok(b) => Buf::Unsigned(b),
            Err(_) => Buf::Signed(
                PyBuffer::<i8>::get(o)
                    .map_err(|e| PyTypeError::new_err(format!("{what} buffer: {}", e.value(o.py()))))?,
            ),
        };
        let contiguous = match &b {
            Buf::Signed(b) => b.is_c_contiguous(),
            Buf::Unsigned(b) => b.is_c_contiguous(),
        };
        if !contiguous {
            return Err(PyValueError::new_err(format!("{what} buffer is not contiguous")));
        }
        Ok(b)
    }

    fn bytes(&self) -> &[u8] {
        let (ptr, len) = match self {
            Buf::Signed(b) => (b.buf_ptr(), b.len_bytes()),
            Buf::Unsigned(b) => (b.buf_ptr(), b.len_bytes()),
        };
        if len == 0 {
            return &[];
        }
        // SAFETY: `PyBuffer::get` checked that the export holds `len` contiguous bytes at `ptr`
        // (bytes of either signedness read the same); the export, and so the memory, lives as
        // long as `self`, which the slice borrows. The buffers are Arrow's, immutable once an
        // array is built (the Python side passes nothing else to the batch calls).
        unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) }
    }
}

/// One Arrow array's buffers: validity bitmap, offsets, data.
struct ArrowChunk {
    validity: Option<Buf>,
    offsets: Buf,
    data: Option<Buf>,
    offset: usize,
    length: usize,
}

/// The chunks of one column, as `(validity, offsets, data, offset, length)` tuples.
pub struct ArrowChunks {
    chunks: Vec<ArrowChunk>,
}

impl ArrowChunks {
    pub fn get(list: &Bound<'_, PyList>) -> PyResult<ArrowChunks> {
        let optional = |o: Bound<'_, PyAny>, what: &str| -> PyResult<Option<Buf>> {
            if o.is_none() {
                Ok(None)
            } else {
                Buf::get(&o, what).map(Some)
            }
        };
        let chunks = list
            .iter()
            .map(|t| {
                let (v, o, d, offset, length): (Bound<'_, PyAny>, Bound<'_, PyAny>, Bound<'_, PyAny>, usize, usize) =
                    t.extract()?;
                Ok(ArrowChunk {
                    validity: optional(v, "validity")?,
                    offsets: Buf::get(&o, "offsets")?,
                    data: optional(d, "data")?,
                    offset,
                    length,
                })
            })
            .collect::<PyResult<_>>()?;
        Ok(ArrowChunks { chunks })
    }
}

/// The findings of one block of rows, column by column.
#[derive(Default)]
struct ScanPart {
    row: Vec<i64>,
    detector: Vec<i32>,
    start: Vec<i64>,
    end: Vec<i64>,
    confidence: Vec<f32>,
    action: Vec<i8>,
    /// End offset of each preview in `preview`.
    preview_end: Vec<i64>,
    preview: Vec<u8>,
    value_end: Vec<i64>,
    value: Vec<u8>,
}

fn scan_part(t: &Tenant, ids: &Ids, rows: &[Option<Row<'_>>], first: usize, d: Direction, values: bool) -> ScanPart {
    let mut p = ScanPart::default();
    let mut preview = String::new();
    for (i, row) in rows.iter().enumerate() {
        let Some(row) = row else { continue };
        // A row over a policy's size limit under on_exceed = "block" has nothing to report:
        // redact_many nulls it, evaluate() says why.
        let Ok(found) = t.findings(d, row.data) else { continue };
        let mut ix = (row.text && !found.is_empty()).then(|| TextIndex::new(row.data, Unit::CodePoint));
        for DecidedFinding { finding: f, action: a } in &found {
            let (start, end) = match ix.as_mut() {
                Some(ix) => (ix.of(f.start), ix.of(f.end)),
                None => (f.start, f.end),
            };
            p.row.push((first + i) as i64);
            p.detector.push(ids.code(&f.detector));
            p.start.push(start as i64);
            p.end.push(end as i64);
            p.confidence.push(f.confidence);
            p.action.push(a.code() as i8);
            let v = f.bytes(row.data);
            engine::preview_into(v, &mut preview);
            p.preview.extend_from_slice(preview.as_bytes());
            p.preview_end.push(p.preview.len() as i64);
            if values {
                p.value.extend_from_slice(v);
                p.value_end.push(p.value.len() as i64);
            }
        }
    }
    p
}

/// `parts`' columns concatenated into one `bytes` of little-endian values.
fn column<'py, T: Copy, const N: usize>(
    py: Python<'py>,
    parts: &[ScanPart],
    col: impl Fn(&ScanPart) -> &[T],
    le: impl Fn(T) -> [u8; N],
) -> PyResult<Bound<'py, PyBytes>> {
    let n: usize = parts.iter().map(|p| col(p).len()).sum();
    PyBytes::new_with(py, n * N, |buf| {
        let mut at = buf.chunks_exact_mut(N);
        for v in parts.iter().flat_map(|p| col(p).iter()) {
            if let Some(slot) = at.next() {
                slot.copy_from_slice(&le(*v));
            }
        }
        Ok(())
    })
}

/// An Arrow offsets buffer (64-bit, one more than the values) over the parts' end offsets,
/// and the data buffer.
fn strings<'py, P>(
    py: Python<'py>,
    parts: &[P],
    ends: impl Fn(&P) -> &[i64],
    data: impl Fn(&P) -> &[u8],
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let n: usize = parts.iter().map(|p| ends(p).len()).sum();
    let offsets = PyBytes::new_with(py, (n + 1) * 8, |buf| {
        let mut at = buf.chunks_exact_mut(8);
        let mut base = 0i64;
        if let Some(slot) = at.next() {
            slot.copy_from_slice(&0i64.to_le_bytes());
        }
        for p in parts {
            for e in ends(p) {
                if let Some(slot) = at.next() {
                    slot.copy_from_slice(&(base + e).to_le_bytes());
                }
            }
            base += data(p).len() as i64;
        }
        Ok(())
    })?;
    let total: usize = parts.iter().map(|p| data(p).len()).sum();
    let bytes = PyBytes::new_with(py, total, |buf| {
        let mut at = 0;
        for p in parts {
            let d = data(p);
            buf[at..at + d.len()].copy_from_slice(d);
            at += d.len();
        }
        Ok(())
    })?;
    Ok((offsets, bytes))
}

/// Scans every row; returns the findings as column buffers (see `dlpjet._columns`).
pub fn scan<'py>(
    py: Python<'py>,
    t: &Tenant,
    ids: &Ids,
    rows: &Rows<'_>,
    d: Direction,
    values: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let parts = rows.map_blocks(py, |first, block| scan_part(t, ids, block, first, d, values))?;
    let out = PyDict::new(py);
    out.set_item("count", parts.iter().map(|p| p.row.len()).sum::<usize>())?;
    out.set_item("rows", rows.rows.len())?;
    out.set_item("row", column(py, &parts, |p| &p.row, i64::to_le_bytes)?)?;
    out.set_item("detector", column(py, &parts, |p| &p.detector, i32::to_le_bytes)?)?;
    out.set_item("detectors", ids.names())?;
    out.set_item("start", column(py, &parts, |p| &p.start, i64::to_le_bytes)?)?;
    out.set_item("end", column(py, &parts, |p| &p.end, i64::to_le_bytes)?)?;
    out.set_item("confidence", column(py, &parts, |p| &p.confidence, f32::to_le_bytes)?)?;
    out.set_item("action", column(py, &parts, |p| &p.action, i8::to_le_bytes)?)?;
    out.set_item("actions", Action::BY_CODE.map(Action::as_str))?;
    let (o, b) = strings(py, &parts, |p| &p.preview_end, |p| &p.preview)?;
    out.set_item("preview_offsets", o)?;
    out.set_item("preview_data", b)?;
    if values {
        let (o, b) = strings(py, &parts, |p| &p.value_end, |p| &p.value)?;
        out.set_item("value_offsets", o)?;
        out.set_item("value_data", b)?;
        out.set_item("value_text", rows.all_text())?;
    }
    Ok(out)
}

/// The redacted rows of one block: per row whether it is present (not null, not blocked) and
/// changed, its end offset in `data`.
#[derive(Default)]
struct RedactPart {
    present: Vec<bool>,
    changed: Vec<bool>,
    end: Vec<i64>,
    data: Vec<u8>,
}

fn redact_part(t: &Tenant, rows: &[Option<Row<'_>>], d: Direction) -> RedactPart {
    let n = rows.len();
    let mut p = RedactPart {
        present: Vec::with_capacity(n),
        changed: Vec::with_capacity(n),
        end: Vec::with_capacity(n),
        data: Vec::with_capacity(rows.iter().flatten().map(|r| r.data.len()).sum()),
    };
    for row in rows {
        let (present, changed) = match row {
            None => (false, false),
            Some(row) => {
                let at = p.data.len();
                let decision = t.evaluate_into(d, row.data, &mut p.data);
                if row.text && decision.action.rewrites() && std::str::from_utf8(&p.data[at..]).is_err() {
                    // A text row stays valid UTF-8 whatever a rewrite did at a boundary.
                    let fixed = String::from_utf8_lossy(&p.data[at..]).into_owned();
                    p.data.truncate(at);
                    p.data.extend_from_slice(fixed.as_bytes());
                }
                (decision.action != Action::Block, decision.action.rewrites())
            }
        };
        p.present.push(present);
        p.changed.push(changed);
        p.end.push(p.data.len() as i64);
    }
    p
}

fn redact_parts(py: Python<'_>, t: &Tenant, rows: &Rows<'_>, d: Direction) -> PyResult<Vec<RedactPart>> {
    rows.map_blocks(py, |_, block| redact_part(t, block, d))
}

/// Redacts every row of a list: unchanged rows are the very objects passed in, blocked and
/// null rows `None`.
pub fn redact_rows<'py>(
    py: Python<'py>,
    t: &Tenant,
    items: &[Bound<'py, PyAny>],
    rows: &Rows<'_>,
    d: Direction,
) -> PyResult<Bound<'py, PyList>> {
    let parts = redact_parts(py, t, rows, d)?;
    let mut out = Vec::with_capacity(rows.rows.len());
    let mut i = 0;
    for p in &parts {
        let mut start = 0;
        for k in 0..p.end.len() {
            let end = p.end[k] as usize;
            let v = match (p.present[k], p.changed[k], rows.rows[i]) {
                (true, true, Some(row)) => output(py, &p.data[start..end], row.text),
                (true, false, Some(_)) => items[i].clone(),
                _ => py.None().into_bound(py),
            };
            out.push(v);
            start = end;
            i += 1;
        }
    }
    PyList::new(py, out)
}

/// Redacts every row of Arrow chunks into one 64-bit-offset array's buffers.
pub fn redact_arrow<'py>(py: Python<'py>, t: &Tenant, rows: &Rows<'_>, d: Direction) -> PyResult<Bound<'py, PyDict>> {
    let parts = redact_parts(py, t, rows, d)?;
    let n = rows.rows.len();
    let nulls = parts.iter().flat_map(|p| &p.present).filter(|&&p| !p).count();
    let validity = if nulls == 0 {
        None
    } else {
        Some(PyBytes::new_with(py, n.div_ceil(8), |buf| {
            for (i, _) in parts.iter().flat_map(|p| &p.present).enumerate().filter(|(_, &p)| p) {
                buf[i / 8] |= 1 << (i % 8);
            }
            Ok(())
        })?)
    };
    let (offsets, data) = strings(py, &parts, |p| &p.end, |p| &p.data)?;
    let out = PyDict::new(py);
    out.set_item("length", n)?;
    out.set_item("nulls", nulls)?;
    out.set_item("validity", validity)?;
    out.set_item("offsets", offsets)?;
    out.set_item("data", data)?;
    Ok(out)
}
