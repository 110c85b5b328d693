//! Server-sent events: an incremental reader for the provider's stream and a writer for the
//! events the gateway passes on.
//!
//! The reader follows the WHATWG event-stream rules: lines end in CR, LF or CRLF (a CRLF may
//! be split across two reads), `field: value` lines (one space after the colon dropped), comment
//! lines starting with `:`, multi-line `data` joined with LF, and a blank line that dispatches
//! the event. Bytes may arrive split anywhere, even inside a UTF-8 character.

/// One dispatched event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Event {
    /// The `event:` field, when given.
    pub event: Option<String>,
    /// The `data:` lines, joined with LF.
    pub data: String,
    /// The `id:` field, when given.
    pub id: Option<String>,
    /// The `retry:` field, when given.
    pub retry: Option<String>,
}

/// What the reader yields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// A complete event.
    Event(Event),
    /// A comment line (a keep-alive, usually), without its colon.
    Comment(String),
}

/// The stream broke the event-stream rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    /// A line longer than the limit.
    #[error("event stream line longer than {limit} bytes")]
    LineTooLong {
        /// The limit.
        limit: usize,
    },
    /// A line that is not UTF-8.
    #[error("event stream line is not UTF-8")]
    Utf8,
}

/// Reads events from bytes as they arrive.
#[derive(Debug)]
pub struct Reader {
    /// Bytes of the line being read.
    line: Vec<u8>,
    /// The last read ended in CR: an LF at the start of the next is part of the same ending.
    skip_lf: bool,
    pending: Event,
    /// Some field of `pending` was set.
    started: bool,
    data_lines: usize,
    max_line: usize,
}

impl Reader {
    /// A reader that refuses lines longer than `max_line` bytes.
    pub fn new(max_line: usize) -> Reader {
        Reader { line: Vec::new(), skip_lf: false, pending: Event::default(), started: false, data_lines: 0, max_line }
    }

    /// Reads `chunk`, appending what it completes to `out`.
    pub fn push(&mut self, mut chunk: &[u8], out: &mut Vec<Item>) -> Result<(), SseError> {
        if self.skip_lf {
            if let Some((b'\n', rest)) = chunk.split_first() {
                chunk = rest;
            }
            if !chunk.is_empty() {
                self.skip_lf = false;
            }
        }
        while let Some(end) = memchr2(chunk) {
            if self.line.len() + end > self.max_line {
                return Err(SseError::LineTooLong { limit: self.max_line });
            }
            self.line.extend_from_slice(&chunk[..end]);
            let ending = chunk[end];
            chunk = &chunk[end + 1..];
            if ending == b'\r' {
                match chunk.first() {
                    Some(b'\n') => chunk = &chunk[1..],
                    Some(_) => {}
                    None => self.skip_lf = true,
                }
            }
            let line = std::mem::take(&mut self.line);
            self.line_done(&line, out)?;
            self.line = line;
            self.line.clear();
        }
        if self.line.len() + chunk.len() > self.max_line {
            return Err(SseError::LineTooLong { limit: self.max_line });
        }
        self.line.extend_from_slice(chunk);
        Ok(())
    }

    /// The stream ended: an event without its closing blank line is dropped (as browsers do),
    /// and so is a partial line.
    pub fn finish(self) {}

    fn line_done(&mut self, line: &[u8], out: &mut Vec<Item>) -> Result<(), SseError> {
        let line = std::str::from_utf8(line).map_err(|_| SseError::Utf8)?;
        if line.is_empty() {
            if self.started {
                out.push(Item::Event(std::mem::take(&mut self.pending)));
                self.started = false;
                self.data_lines = 0;
            }
            return Ok(());
        }
        if let Some(c) = line.strip_prefix(':') {
            out.push(Item::Comment(c.to_string()));
            return Ok(());
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        let e = &mut self.pending;
        match field {
            "data" => {
                if self.data_lines > 0 {
                    e.data.push('\n');
                }
                e.data.push_str(value);
                self.data_lines += 1;
            }
            "event" => e.event = Some(value.to_string()),
            "id" => e.id = Some(value.to_string()),
            "retry" => e.retry = Some(value.to_string()),
            _ => return Ok(()), // unknown fields are ignored
        }
        self.started = true;
        Ok(())
    }
}

/// The first CR or LF in `b`.
fn memchr2(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n' || c == b'\r')
}

/// Appends `e` in the canonical form: `event:`, `id:`, `retry:`, then one `data:` line per
/// line of its data, then a blank line.
pub fn write_event(out: &mut Vec<u8>, e: &Event) {
    if let Some(name) = &e.event {
        out.extend_from_slice(b"event: ");
        out.extend_from_slice(name.as_bytes());
        out.push(b'\n');
    }
    if let Some(id) = &e.id {
        out.extend_from_slice(b"id: ");
        out.extend_from_slice(id.as_bytes());
        out.push(b'\n');
    }
    if let Some(r) = &e.retry {
        out.extend_from_slice(b"retry: ");
        out.extend_from_slice(r.as_bytes());
        out.push(b'\n');
    }
    write_data(out, e.data.as_bytes());
    out.push(b'\n');
}

/// Appends `data` as `data:` lines (no blank line).
pub fn write_data(out: &mut Vec<u8>, data: &[u8]) {
    for line in data.split(|&b| b == b'\n') {
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(line);
        out.push(b'\n');
    }
}

/// Appends a comment line and a blank line.
pub fn write_comment(out: &mut Vec<u8>, c: &str) {
    out.push(b':');
    out.extend_from_slice(c.as_bytes());
    out.extend_from_slice(b"\n\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read_all(chunks: &[&[u8]]) -> Vec<Item> {
        let mut r = Reader::new(1 << 20);
        let mut out = Vec::new();
        for c in chunks {
            r.push(c, &mut out).unwrap();
        }
        out
    }

    fn ev(event: Option<&str>, data: &str) -> Item {
        Item::Event(Event { event: event.map(Into::into), data: data.into(), ..Event::default() })
    }

    #[test]
    fn line_endings_fields_and_comments() {
        let s = b": keep-alive\r\nevent: message_start\rdata: {\"a\":1}\r\n\r\ndata:x\ndata:  y\n\nid: 7\nretry: 10\ndata\n\nfoo: bar\n\n";
        let items = read_all(&[s]);
        assert_eq!(
            items,
            vec![
                Item::Comment(" keep-alive".into()),
                ev(Some("message_start"), "{\"a\":1}"),
                ev(None, "x\n y"),
                Item::Event(Event { id: Some("7".into()), retry: Some("10".into()), ..Event::default() }),
            ]
        );
    }

    #[test]
    fn crlf_split_across_reads_is_one_ending() {
        assert_eq!(read_all(&[b"data: a\r", b"\n\r", b"\n"]), vec![ev(None, "a")]);
        assert_eq!(read_all(&[b"data: a\r", b"", b"\n", b"\r\n"]), vec![ev(None, "a")]);
    }

    #[test]
    fn unfinished_event_is_dropped_and_long_lines_refused() {
        assert!(read_all(&[b"data: a\n"]).is_empty());
        let mut r = Reader::new(8);
        assert_eq!(r.push(b"data: 0123456789", &mut Vec::new()), Err(SseError::LineTooLong { limit: 8 }));
    }

    #[test]
    fn writes_canonical_events() {
        let mut out = Vec::new();
        write_event(&mut out, &Event { event: Some("e".into()), data: "a\nb".into(), ..Event::default() });
        assert_eq!(out, b"event: e\ndata: a\ndata: b\n\n");
    }

    proptest! {
        /// Any split of a stream into reads gives the events of reading it whole.
        #[test]
        fn chunking_does_not_matter(
            events in prop::collection::vec(("[a-z_]{0,6}", "[a-zé {}\":\n]{0,16}"), 1..6),
            crlf in any::<bool>(),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        ) {
            let nl = if crlf { "\r\n" } else { "\n" };
            let mut s = String::new();
            for (name, data) in &events {
                s.push_str(&format!("event: {name}{nl}"));
                for line in data.split('\n') {
                    s.push_str(&format!("data: {line}{nl}"));
                }
                s.push_str(nl);
            }
            let b = s.as_bytes();
            let mut at: Vec<usize> = cuts.iter().map(|i| i.index(b.len() + 1)).collect();
            at.sort();
            let mut chunks = Vec::new();
            let mut from = 0;
            for a in at { chunks.push(&b[from..a]); from = a; }
            chunks.push(&b[from..]);
            prop_assert_eq!(read_all(&chunks), read_all(&[b]));
            prop_assert_eq!(read_all(&[b]).len(), events.len());
        }
    }
}
