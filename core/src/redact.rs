//! Redaction: rewriting text so that findings are masked, labelled, pseudonymised or removed.

use crate::detect::catalog::Builtin;
use crate::detect::units::{unit_at, Unit};
use crate::error::{BuildError, ErrorKind};
use crate::finding::Finding;
use crate::scanner::Scanner;
use crate::stream::{Event, StreamScanner};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;
use zeroize::Zeroizing;

/// How a finding is rewritten.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Style {
    /// Every character becomes `*`.
    Mask,
    /// Letters and digits become `*` except the last `keep_last`; punctuation stays
    /// (`**** **** **** 4242`).
    Partial {
        /// How many trailing letters or digits stay visible.
        keep_last: usize,
    },
    /// A type label: `[CREDIT_CARD]`.
    Label,
    /// A keyed pseudonym: `[EMAIL:kcmfpbhdaalognei]`, the HMAC-SHA256 of the value under the
    /// redactor's key, so one value always maps to one token and different keys give
    /// different tokens. Numbers are normalised first (separators, full-width digits and
    /// invisible characters do not change the token).
    Pseudonym,
    /// The value is removed.
    Remove,
}

/// The style as policies name it: `mask`, `partial (keep 4)`, `label`, `pseudonym`, `remove`.
///
/// ```
/// use dlpjet::Style;
/// assert_eq!(Style::Partial { keep_last: 4 }.to_string(), "partial (keep 4)");
/// assert_eq!(Style::Label.to_string(), "label");
/// ```
impl std::fmt::Display for Style {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Style::Mask => f.write_str("mask"),
            Style::Partial { keep_last } => write!(f, "partial (keep {keep_last})"),
            Style::Label => f.write_str("label"),
            Style::Pseudonym => f.write_str("pseudonym"),
            Style::Remove => f.write_str("remove"),
        }
    }
}

/// Configures a [`Redactor`].
#[derive(Clone, Debug)]
pub struct RedactorBuilder {
    scanner: Scanner,
    default: Style,
    styles: HashMap<String, Style>,
    key: Option<Zeroizing<Vec<u8>>>,
}

impl RedactorBuilder {
    /// The style for detectors without one of their own (default [`Style::Label`]).
    pub fn default_style(mut self, s: Style) -> Self {
        self.default = s;
        self
    }

    /// The style for one detector id.
    pub fn style(mut self, detector: impl Into<String>, s: Style) -> Self {
        self.styles.insert(detector.into(), s);
        self
    }

    /// The key for [`Style::Pseudonym`] (at least 16 bytes).
    pub fn pseudonym_key(mut self, key: &[u8]) -> Self {
        self.key = Some(Zeroizing::new(key.to_vec()));
        self
    }

    /// Builds the redactor.
    ///
    /// # Errors
    /// A style named for a detector the scanner does not run, or a pseudonym style without a
    /// key of at least 16 bytes.
    pub fn build(self) -> Result<Redactor, BuildError> {
        for id in self.styles.keys() {
            if !self.scanner.detectors().any(|d| d == id) {
                return Err(BuildError::new(
                    ErrorKind::UnknownDetector,
                    format!("redaction style for {id:?}, which the scanner does not run"),
                ));
            }
        }
        let wants_key = self.default == Style::Pseudonym || self.styles.values().any(|s| *s == Style::Pseudonym);
        if wants_key && self.key.as_ref().is_none_or(|k| k.len() < 16) {
            return Err(BuildError::new(
                ErrorKind::InvalidOption,
                "the pseudonym style needs a key of at least 16 bytes",
            ));
        }
        let mut per: HashMap<Arc<str>, Style> = HashMap::new();
        for (k, v) in self.styles {
            per.insert(Arc::from(k), v);
        }
        Ok(Redactor {
            inner: Arc::new(RedactorInner { scanner: self.scanner, default: self.default, styles: per, key: self.key }),
        })
    }
}

#[derive(Debug)]
struct RedactorInner {
    scanner: Scanner,
    default: Style,
    styles: HashMap<Arc<str>, Style>,
    key: Option<Zeroizing<Vec<u8>>>,
}

/// Rewrites text with every finding replaced according to its detector's [`Style`].
/// Redacting the output again changes nothing. Cheap to clone and share across threads.
///
/// ```
/// use dlpjet::{Redactor, Scanner, Style};
/// let r = Redactor::builder(Scanner::new())
///     .style("credit_card", Style::Partial { keep_last: 4 })
///     .build()?;
/// assert_eq!(r.redact_str("pay 4242424242424242 to a@b.io"), "pay ************4242 to [EMAIL]");
/// # Ok::<(), dlpjet::BuildError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Redactor {
    inner: Arc<RedactorInner>,
}

impl Redactor {
    /// A builder around `scanner`.
    pub fn builder(scanner: Scanner) -> RedactorBuilder {
        RedactorBuilder { scanner, default: Style::Label, styles: HashMap::new(), key: None }
    }

    /// The scanner this redactor uses.
    pub fn scanner(&self) -> &Scanner {
        &self.inner.scanner
    }

    /// Redacts `hay` in one go.
    pub fn redact(&self, hay: &[u8]) -> Vec<u8> {
        let findings = self.inner.scanner.scan(hay);
        let mut out = Vec::with_capacity(hay.len());
        let mut at = 0;
        for f in &findings {
            out.extend_from_slice(&hay[at..f.start]);
            self.replace(f, f.bytes(hay), &mut out);
            at = f.end;
        }
        out.extend_from_slice(&hay[at..]);
        out
    }

    /// Redacts a string. Built-in findings lie on character boundaries and replacements are
    /// ASCII, so the result is valid UTF-8; should a caller's byte-level regex (`(?-u:\xE2)`)
    /// cut a character, the broken bytes become U+FFFD rather than a panic.
    pub fn redact_str(&self, text: &str) -> String {
        String::from_utf8(self.redact(text.as_bytes()))
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// A writer that redacts everything written through it into `w`, holding back only the
    /// bounded tail that could still become part of a finding. Call
    /// [`RedactWriter::finish`] at the end to write that tail.
    pub fn writer<W: Write>(&self, w: W) -> RedactWriter<W> {
        RedactWriter { redactor: self.clone(), stream: self.inner.scanner.stream(), out: w, scratch: Vec::new() }
    }

    /// Appends the replacement for finding `f` with matched bytes `value` to `out`.
    pub fn replace(&self, f: &Finding, value: &[u8], out: &mut Vec<u8>) {
        let style = self.inner.styles.get(&f.detector).copied().unwrap_or(self.inner.default);
        match style {
            Style::Mask => out.extend(std::iter::repeat_n(b'*', char_count(value))),
            Style::Partial { keep_last } => partial(value, keep_last, out),
            Style::Label => {
                out.push(b'[');
                out.extend(f.detector.bytes().map(|b| b.to_ascii_uppercase()));
                out.push(b']');
            }
            Style::Pseudonym => {
                let key = self.inner.key.as_ref().expect("checked at build");
                let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
                mac.update(f.detector.as_bytes());
                mac.update(&[0]);
                normalized(&f.detector, value, |part| mac.update(part));
                let tag = mac.finalize().into_bytes();
                out.push(b'[');
                out.extend(f.detector.bytes().map(|b| b.to_ascii_uppercase()));
                out.push(b':');
                for &b in &tag[..8] {
                    out.push(b'a' + (b >> 4));
                    out.push(b'a' + (b & 15));
                }
                out.push(b']');
            }
            Style::Remove => {}
        }
    }
}

fn char_count(v: &[u8]) -> usize {
    v.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

fn partial(v: &[u8], keep: usize, out: &mut Vec<u8>) {
    let hidden = |b: u8| b.is_ascii_alphanumeric() || b >= 0x80;
    let total = v.iter().filter(|&&b| hidden(b) && b & 0xC0 != 0x80).count();
    let mut seen = 0;
    let mut i = 0;
    while i < v.len() {
        let b = v[i];
        let len = match b {
            0xF0..=0xFF => 4,
            0xE0..=0xEF => 3,
            0xC0..=0xDF => 2,
            _ => 1,
        }
        .min(v.len() - i);
        if hidden(b) {
            seen += 1;
            if seen > total.saturating_sub(keep) {
                out.extend_from_slice(&v[i..i + len]);
            } else {
                out.push(b'*');
            }
        } else {
            out.push(b);
        }
        i += len;
    }
}

/// Feeds the canonical form of a value to `f`: digits only for numbers, lower case for
/// e-mail, the bytes as they are otherwise.
fn normalized(det: &str, v: &[u8], mut f: impl FnMut(&[u8])) {
    let numeric = [Builtin::CreditCard, Builtin::UsSsn, Builtin::Phone].iter().any(|b| b.id() == det);
    if numeric {
        let mut i = 0;
        while i < v.len() {
            match unit_at(v, i) {
                Unit::Digit(d, n) => {
                    f(&[b'0' + d]);
                    i += n;
                }
                Unit::Ignorable(n) => i += n,
                _ => i += 1,
            }
        }
    } else if det == Builtin::Email.id() || det == Builtin::Iban.id() {
        for &b in v.iter().filter(|&&b| b != b' ') {
            f(&[b.to_ascii_lowercase()]);
        }
    } else {
        f(v);
    }
}

/// A streaming redactor: an [`io::Write`] that writes the redacted stream to an inner writer.
/// See [`Redactor::writer`].
///
/// ```
/// use std::io::Write;
/// let redactor = dlpjet::Redactor::builder(dlpjet::Scanner::new()).build()?;
/// let mut w = redactor.writer(Vec::new());
/// w.write_all(b"ssn 123-4")?;
/// w.write_all(b"5-6789 end")?;
/// assert_eq!(w.finish()?, b"ssn [US_SSN] end");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct RedactWriter<W: Write> {
    redactor: Redactor,
    stream: StreamScanner,
    out: W,
    scratch: Vec<u8>,
}

impl<W: Write> RedactWriter<W> {
    /// Writes the held-back tail and returns the inner writer.
    ///
    /// # Errors
    /// Any error from the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        let (redactor, scratch) = (&self.redactor, &mut self.scratch);
        self.stream.finish_events(|e| emit(redactor, e, scratch));
        self.out.write_all(&self.scratch)?;
        self.scratch.clear();
        self.out.flush()?;
        Ok(self.out)
    }

    /// The inner writer. Everything written to it so far is final redacted output.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Bytes written but not yet passed on (could still be part of a finding).
    pub fn held_back(&self) -> usize {
        self.stream.held_back()
    }
}

fn emit(r: &Redactor, e: Event<'_>, out: &mut Vec<u8>) {
    match e {
        Event::Bytes(b) => out.extend_from_slice(b),
        Event::Finding(f, v) => r.replace(f, v, out),
    }
}

impl<W: Write> Write for RedactWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let (redactor, scratch) = (&self.redactor, &mut self.scratch);
        self.stream.push_events(buf, |e| emit(redactor, e, scratch));
        self.out.write_all(&self.scratch)?;
        self.scratch.clear();
        Ok(buf.len())
    }

    /// Flushes what is final; the held-back tail is written only by [`RedactWriter::finish`].
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
