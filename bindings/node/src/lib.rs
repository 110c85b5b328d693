//! The native half of the `dlpjet` npm package.
//!
//! Everything that touches text runs here: scanning, redaction, policy decisions (one-shot, on
//! the libuv thread pool, or streamed). The JavaScript half (`index.js`) turns this module's
//! errors into `Error` objects with a `code`, and wraps the streams as Node `Transform`s.
//!
//! Errors reach JavaScript as `Error` objects made here, with their `code` and details as
//! properties (see `error.rs`); `index.js` gives each the class of its code.

// The exported types hold napi values (Buffer, Either, AsyncTask inputs) or are opaque to
// JavaScript; none is printed.
#![allow(missing_debug_implementations)]

use dlpjet_policy::{
    Action, BlockReason, DecidedFinding, Decision, Direction, PolicySet, PolicyStream, Tenant, DEFAULT_TENANT,
};
use engine::offsets::{TextIndex, Unit};
use engine::{Event, StreamScanner};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::json;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

mod audit;
mod error;

pub(crate) use error::{blocked, fail, guard, invalid, policy_error};

/// Directions travel as numbers (0 inbound, 1 outbound, 2 both): the JavaScript side maps the
/// names, which saves converting a string on every call.
pub(crate) fn direction(code: u32) -> Result<Direction> {
    u8::try_from(code)
        .ok()
        .and_then(Direction::from_code)
        .ok_or_else(|| invalid(format!("direction code must be 0, 1 or 2, not {code}")))
}

/// One piece of sensitive data. `start`/`end` are string indices (UTF-16 code units) for a
/// string input and byte offsets for a Buffer.
#[napi(object)]
pub struct Finding {
    pub detector: String,
    pub start: i64,
    pub end: i64,
    pub confidence: f64,
    pub action: String,
    pub preview: String,
    pub value: Either<String, Buffer>,
}

/// Findings packed for the JavaScript side, which builds the `Finding` objects (much faster
/// than setting each property through N-API): five numbers per finding (start, end,
/// confidence, action code, detector index into the scanner's `detectors`). A plain array for
/// a few findings, a `Float64Array` (one copy) for many.
pub type Packed = Either<Vec<f64>, Float64Array>;

/// Above this many numbers a typed array is cheaper than setting array elements one by one.
const TYPED_FROM: usize = 5 * 64;

/// A scanner's detector ids, in the order of their indices in [`Packed`].
struct Ids {
    names: Vec<String>,
    codes: HashMap<String, f64>,
}

impl Ids {
    fn of(t: &Tenant) -> Ids {
        let names: Vec<String> = t.plans().iter().map(|p| p.id.clone()).collect();
        let codes = names.iter().enumerate().map(|(i, n)| (n.clone(), i as f64)).collect();
        Ids { names, codes }
    }
}

/// The action names, indexed by the action codes of [`Packed`] (the policy crate's table).
#[napi]
pub fn action_names() -> Vec<&'static str> {
    Action::BY_CODE.iter().map(|a| a.as_str()).collect()
}

/// The direction names, indexed by the direction codes the native functions take.
#[napi]
pub fn direction_names() -> Vec<&'static str> {
    Direction::BY_CODE.iter().map(|d| d.as_str()).collect()
}

fn action_code(a: Action) -> f64 {
    f64::from(a.code())
}

/// `found` packed; `None` when there are none (the common case costs no allocation).
fn packed(ids: &Ids, found: &[DecidedFinding], hay: &[u8], text: bool) -> Option<Packed> {
    if found.is_empty() {
        return None;
    }
    let mut ix = text.then(|| TextIndex::new(hay, Unit::Utf16));
    let mut nums = Vec::with_capacity(found.len() * 5);
    for DecidedFinding { finding: f, action: a } in found {
        let (start, end) = match ix.as_mut() {
            Some(ix) => (ix.of(f.start), ix.of(f.end)),
            None => (f.start, f.end),
        };
        let detector = ids.codes.get(&*f.detector).copied().unwrap_or(-1.0);
        nums.extend([start as f64, end as f64, confidence(f.confidence), action_code(*a), detector]);
    }
    Some(if nums.len() >= TYPED_FROM { Either::B(nums.into()) } else { Either::A(nums) })
}

/// What the policy decided about one text.
#[napi(object)]
pub struct JsDecision {
    pub action: String,
    pub findings: Vec<Finding>,
    pub output: Option<Either<String, Buffer>>,
    pub reason: Option<String>,
    pub block_code: Option<String>,
    pub truncated: bool,
}

fn confidence(c: f32) -> f64 {
    // Through the shortest decimal of the f32, so 0.95 reads as 0.95.
    c.to_string().parse().unwrap_or(c as f64)
}

fn out(data: &[u8], text: bool) -> Either<String, Buffer> {
    if text {
        Either::A(String::from_utf8_lossy(data).into_owned())
    } else {
        Either::B(data.to_vec().into())
    }
}

/// A finding of `hay` with its offsets converted through `ix` (string input).
fn finding(f: &engine::Finding, a: Action, value: &[u8], at: Option<(usize, usize)>, text: bool) -> Finding {
    let (start, end) = at.unwrap_or((f.start, f.end));
    Finding {
        detector: f.detector.to_string(),
        start: start as i64,
        end: end as i64,
        confidence: confidence(f.confidence),
        action: a.as_str().into(),
        preview: engine::preview(value),
        value: out(value, text),
    }
}

fn findings(found: &[DecidedFinding], hay: &[u8], text: bool) -> Vec<Finding> {
    let mut ix = text.then(|| TextIndex::new(hay, Unit::Utf16));
    found
        .iter()
        .map(|DecidedFinding { finding: f, action: a }| {
            let at = ix.as_mut().map(|ix| (ix.of(f.start), ix.of(f.end)));
            finding(f, *a, f.bytes(hay), at, text)
        })
        .collect()
}

pub(crate) fn decision(d: &Decision, hay: &[u8], text: bool) -> JsDecision {
    let found = &d.findings;
    JsDecision {
        action: d.action.as_str().into(),
        findings: if hay.is_empty() && !found.is_empty() {
            // A streamed decision: the text is gone; byte offsets, empty values.
            found.iter().map(|f| finding(&f.finding, f.action, &[], None, false)).collect()
        } else {
            findings(found, hay, text)
        },
        output: d.output(hay).map(|o| out(o, text)),
        reason: d.reason.as_ref().map(|r| r.to_string()),
        block_code: d.reason.as_ref().map(|r| r.code().to_string()),
        truncated: d.truncated,
    }
}

/// A string's UTF-8 or a Buffer's bytes, and whether it was a string.
pub(crate) fn bytes_of(input: &Either<String, Buffer>) -> (&[u8], bool) {
    match input {
        Either::A(s) => (s.as_bytes(), true),
        Either::B(b) => (b, false),
    }
}

/// A compiled policy for one tenant. Build it through the `Scanner` class of `index.js`.
#[napi]
pub struct NativeScanner {
    tenant: Tenant,
    name: String,
    ids: Arc<Ids>,
}

enum Source {
    Text(String),
    File(String),
}

impl Source {
    /// The tenant `name` of the policy, narrowed to `only` when given.
    fn tenant(&self, name: &str, only: Option<&[String]>) -> Result<Tenant> {
        let result = match (self, only) {
            (Source::Text(t), None) => PolicySet::from_toml(t, None).and_then(|s| s.tenant(name).cloned()),
            (Source::File(f), None) => PolicySet::load(f).and_then(|s| s.tenant(name).cloned()),
            (Source::Text(t), Some(only)) => PolicySet::narrowed(t, None, name, only),
            (Source::File(f), Some(only)) => {
                let t = std::fs::read_to_string(f).map_err(|e| {
                    fail("DLPJET_POLICY_INVALID", format!("{f}: {e}"), json!({"kind": "io", "file": f}))
                })?;
                PolicySet::narrowed(&t, Some(std::path::Path::new(f)), name, only)
            }
        };
        result.map_err(|e| policy_error(&e))
    }
}

#[napi]
impl NativeScanner {
    /// Compiles a policy: TOML `text`, or the file at `file`, or (neither) the default; JSON
    /// `json` of a policy object is rendered to TOML first.
    #[napi(factory, catch_unwind)]
    pub fn compile(
        env: Env,
        text: Option<String>,
        file: Option<String>,
        json: Option<String>,
        tenant: Option<String>,
        detectors: Option<Vec<String>>,
    ) -> Result<NativeScanner> {
        guard(&env, || {
            let source = match (text, file, json) {
                (Some(t), _, _) => Source::Text(t),
                (_, Some(f), _) => Source::File(f),
                (_, _, Some(j)) => {
                    let bad = |e: String| fail("DLPJET_POLICY_INVALID", e, json!({"kind": "invalid_value"}));
                    let table: toml::Table = serde_json::from_str(&j).map_err(|e| bad(format!("not a policy: {e}")))?;
                    Source::Text(toml::to_string(&table).map_err(|e| bad(format!("not a policy: {e}")))?)
                }
                _ => Source::Text(dlpjet_policy::REDACT_ALL.into()),
            };
            let name = tenant.unwrap_or_else(|| DEFAULT_TENANT.to_string());
            let t = source.tenant(&name, detectors.as_deref())?;
            let ids = Arc::new(Ids::of(&t));
            Ok(NativeScanner { tenant: t, name, ids })
        })
    }

    #[napi(getter)]
    pub fn tenant(&self) -> String {
        self.name.clone()
    }

    /// The compiled tenant (for the audit log).
    pub(crate) fn tenant_ref(&self) -> &Tenant {
        &self.tenant
    }

    #[napi(getter)]
    pub fn detectors(&self) -> Vec<String> {
        self.ids.names.clone()
    }

    /// Findings in a string (UTF-16 offsets), packed.
    #[napi(catch_unwind)]
    pub fn scan_text(&self, env: Env, input: String, direction: u32) -> Result<Option<Packed>> {
        guard(&env, || self.scan(input.as_bytes(), true, direction))
    }

    /// Findings in a Buffer (byte offsets), packed.
    #[napi(catch_unwind)]
    pub fn scan_bytes(&self, env: Env, input: Buffer, direction: u32) -> Result<Option<Packed>> {
        guard(&env, || self.scan(&input, false, direction))
    }

    #[napi(catch_unwind)]
    pub fn redact(&self, env: Env, input: Either<String, Buffer>, direction: u32) -> Result<Either<String, Buffer>> {
        guard(&env, || {
            let d = self::direction(direction)?;
            let (hay, text) = bytes_of(&input);
            redact(&self.tenant, d, hay, text)
        })
    }

    #[napi(catch_unwind)]
    pub fn evaluate(&self, env: Env, input: Either<String, Buffer>, direction: u32) -> Result<JsDecision> {
        guard(&env, || {
            let d = self::direction(direction)?;
            let (hay, text) = bytes_of(&input);
            Ok(decision(&self.tenant.evaluate(d, hay), hay, text))
        })
    }

    /// `scan` on the libuv thread pool (the input is copied first).
    #[napi(catch_unwind)]
    pub fn scan_async(&self, env: Env, input: Either<String, Buffer>, direction: u32) -> Result<AsyncTask<Work>> {
        guard(&env, || self.work(input, direction, false))
    }

    /// `redact` on the libuv thread pool (the input is copied first).
    #[napi(catch_unwind)]
    pub fn redact_async(&self, env: Env, input: Either<String, Buffer>, direction: u32) -> Result<AsyncTask<Work>> {
        guard(&env, || self.work(input, direction, true))
    }

    #[napi(catch_unwind)]
    pub fn redact_stream(&self, env: Env, direction: u32) -> Result<NativeRedactStream> {
        guard(&env, || {
            Ok(NativeRedactStream { inner: Some(self.tenant.stream(self::direction(direction)?)), decision: None })
        })
    }

    #[napi(catch_unwind)]
    pub fn scan_stream(&self, env: Env, direction: u32) -> Result<NativeScanStream> {
        guard(&env, || {
            let d = self::direction(direction)?;
            Ok(NativeScanStream { tenant: self.tenant.clone(), inner: Some(self.tenant.scanner(d).stream()) })
        })
    }
}

impl NativeScanner {
    /// A scan or redaction for the thread pool. A string is converted to UTF-8 (a copy) first; a
    /// Buffer is referenced, not copied, so the caller must not change it until the promise
    /// settles (the same rule as for `fs.write`).
    fn work(&self, input: Either<String, Buffer>, direction: u32, redact: bool) -> Result<AsyncTask<Work>> {
        let d = self::direction(direction)?;
        let (data, text) = match input {
            Either::A(s) => (Either::A(s.into_bytes()), true),
            Either::B(b) => (Either::B(b), false),
        };
        Ok(AsyncTask::new(Work { tenant: self.tenant.clone(), ids: self.ids.clone(), d, data, text, redact }))
    }

    fn scan(&self, hay: &[u8], text: bool, direction: u32) -> Result<Option<Packed>> {
        let d = self::direction(direction)?;
        let found = self.tenant.findings(d, hay).map_err(|r| blocked(&r))?;
        Ok(packed(&self.ids, &found, hay, text))
    }
}

fn redact(t: &Tenant, d: Direction, hay: &[u8], text: bool) -> Result<Either<String, Buffer>> {
    let mut output = Vec::with_capacity(hay.len() + 16);
    let decision = t.evaluate_into(d, hay, &mut output);
    if let Some(r) = decision.reason.filter(|_| decision.action == Action::Block) {
        return Err(blocked(&r));
    }
    Ok(if text { Either::A(String::from_utf8_lossy(&output).into_owned()) } else { Either::B(output.into()) })
}

/// A scan or redaction of a copied input, run on the libuv thread pool.
pub struct Work {
    tenant: Tenant,
    ids: Arc<Ids>,
    d: Direction,
    data: Either<Vec<u8>, Buffer>,
    text: bool,
    redact: bool,
}

impl Work {
    fn data(&self) -> &[u8] {
        match &self.data {
            Either::A(v) => v,
            Either::B(b) => b,
        }
    }
}

/// What a [`Work`] computed off the main thread.
pub enum Done {
    Found(std::result::Result<Vec<DecidedFinding>, BlockReason>),
    Redacted(Result<Either<String, Buffer>>),
}

impl Task for Work {
    type Output = Done;
    type JsValue = Either<Option<Packed>, Either<String, Buffer>>;

    fn compute(&mut self) -> Result<Done> {
        // A panic on a pool thread would end the process: it becomes a rejected promise. No
        // JavaScript object can be made here; `reject` makes it.
        catch_unwind(AssertUnwindSafe(|| {
            Ok(if self.redact {
                Done::Redacted(redact(&self.tenant, self.d, self.data(), self.text))
            } else {
                Done::Found(self.tenant.findings(self.d, self.data()))
            })
        }))
        .unwrap_or_else(|p| Err(error::panicked(p)))
    }

    fn resolve(&mut self, env: Env, done: Done) -> Result<Self::JsValue> {
        guard(&env, || match done {
            Done::Found(found) => {
                let found = found.map_err(|r| blocked(&r))?;
                Ok(Either::A(packed(&self.ids, &found, self.data(), self.text)))
            }
            Done::Redacted(r) => r.map(Either::B),
        })
    }

    fn reject(&mut self, env: Env, err: Error) -> Result<Self::JsValue> {
        Err(error::to_js(&env, err))
    }
}

/// The policy applied to a stream of Buffers: `push` returns the output that became final.
#[napi]
pub struct NativeRedactStream {
    inner: Option<PolicyStream>,
    decision: Option<Decision>,
}

fn finished() -> Error {
    fail("DLPJET_STREAM_FINISHED", "the stream is finished".into(), json!({}))
}

#[napi]
impl NativeRedactStream {
    #[napi(catch_unwind)]
    pub fn push(&mut self, env: Env, chunk: Buffer) -> Result<Buffer> {
        guard(&env, || {
            let s = self.inner.as_mut().ok_or_else(finished)?;
            let mut output = Vec::with_capacity(chunk.len());
            s.push(&chunk, &mut output).map_err(|b| blocked(&b.reason))?;
            Ok(output.into())
        })
    }

    #[napi(catch_unwind)]
    pub fn finish(&mut self, env: Env) -> Result<Buffer> {
        guard(&env, || {
            let s = self.inner.take().ok_or_else(finished)?;
            let mut output = Vec::new();
            let d = s.finish(&mut output);
            let r = d.reason.clone().filter(|_| d.action == Action::Block);
            self.decision = Some(d);
            match r {
                Some(r) => Err(blocked(&r)),
                None => Ok(output.into()),
            }
        })
    }

    /// The decision about the whole stream once finished: byte offsets, empty values.
    #[napi(getter)]
    pub fn decision(&self) -> Option<JsDecision> {
        self.decision.as_ref().map(|d| decision(d, &[], false))
    }

    #[napi(getter)]
    pub fn held_back(&self) -> u32 {
        self.inner.as_ref().map_or(0, |s| s.held_back() as u32)
    }
}

/// Scans a stream of Buffers: `push` returns the findings each chunk completed, with byte
/// offsets from the start of the stream.
#[napi]
pub struct NativeScanStream {
    tenant: Tenant,
    inner: Option<StreamScanner>,
}

impl NativeScanStream {
    fn step(&mut self, chunk: Option<&[u8]>) -> Result<Vec<Finding>> {
        let s = self.inner.as_mut().ok_or_else(finished)?;
        let tenant = &self.tenant;
        let mut found = Vec::new();
        let mut on = |e: Event<'_>| {
            if let Event::Finding(f, v) = e {
                if let Some(a) = tenant.action_for(f) {
                    found.push(finding(f, a, v, None, false));
                }
            }
        };
        match chunk {
            Some(c) => s.push_events(c, &mut on),
            None => s.finish_events(&mut on),
        }
        Ok(found)
    }
}

#[napi]
impl NativeScanStream {
    #[napi(catch_unwind)]
    pub fn push(&mut self, env: Env, chunk: Buffer) -> Result<Vec<Finding>> {
        guard(&env, || self.step(Some(&chunk)))
    }

    #[napi(catch_unwind)]
    pub fn finish(&mut self, env: Env) -> Result<Vec<Finding>> {
        guard(&env, || {
            let found = self.step(None)?;
            self.inner = None;
            Ok(found)
        })
    }

    #[napi(getter)]
    pub fn held_back(&self) -> u32 {
        self.inner.as_ref().map_or(0, |s| s.held_back() as u32)
    }
}

/// The built-in detector catalogue.
#[napi(object)]
pub struct CatalogEntry {
    pub id: String,
    pub description: String,
    pub validation: String,
    pub example: String,
}

#[napi]
pub fn catalog() -> Vec<CatalogEntry> {
    engine::Builtin::ALL
        .iter()
        .map(|b| CatalogEntry {
            id: b.id().into(),
            description: b.description().into(),
            validation: b.validation().into(),
            example: engine::preview(b.example().as_bytes()),
        })
        .collect()
}

/// The masked preview of a value, as the engine makes it (the JavaScript side makes its own;
/// the tests compare the two).
#[napi]
pub fn preview(value: Buffer) -> String {
    engine::preview(&value)
}

#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").into()
}

/// Panics inside the guard, so the tests can check that a panic arrives as an error.
#[napi(catch_unwind)]
pub fn raise_internal_error_for_tests(env: Env) -> Result<()> {
    guard(&env, || panic!("deliberate panic from the test hook"))
}
