//! The way back: the outbound policy on whole and streamed answers.

use super::record::{cost, usage_of, Record};
use super::reply::{self, Body, ChannelBody, Dialect};
use super::Gateway;
use crate::dlp::fields::{inspect, OpaqueFiles, Reading, TokenUse};
use crate::dlp::json::{self, splice};
use crate::dlp::secrets::Secrets;
use crate::dlp::stream::{Protocol, StreamFilter};
use crate::dlp::tokenize::Tokens;
use bytes::Bytes;
use dlpjet_policy::{Direction, Tenant};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Response, StatusCode};
use std::sync::Arc;

impl Gateway {
    /// A non-streamed answer, or an error of the provider's (any status, streamed request or
    /// not): read whole, every string inspected with the outbound policy, passed on. A blocked
    /// answer becomes the gateway's 403; a blocked error body is replaced by the gateway's own
    /// error with the provider's status and `type`/`code`.
    #[allow(clippy::too_many_arguments)] // one call site; a struct would only rename them
    pub(super) async fn whole_response(
        &self,
        resp: Response<Incoming>,
        limits: &crate::config::Limits,
        dialect: Dialect,
        tenant: &Tenant,
        tokens: &Tokens,
        reading: &Reading<'_>,
        rec: &mut Record,
    ) -> Result<Response<Body>, Response<Body>> {
        let status = resp.status();
        let content_type = resp.headers().get(CONTENT_TYPE).cloned();
        let read =
            tokio::time::timeout(limits.upstream_idle(), Limited::new(resp.into_body(), 64 << 20).collect()).await;
        let body = match read {
            Ok(Ok(b)) => b.to_bytes(),
            _ => {
                return Err(reply::error(
                    dialect,
                    StatusCode::BAD_GATEWAY,
                    "api_error",
                    "upstream_body",
                    "the provider's answer could not be read",
                ))
            }
        };
        let doc = match json::parse(&body, limits.max_json_depth) {
            Ok(doc) => doc,
            Err(_) if !status.is_success() => return self.error_text(status, &body, dialect, tenant, reading, rec),
            Err(_) => {
                return Err(reply::error(
                    dialect,
                    StatusCode::BAD_GATEWAY,
                    "api_error",
                    "upstream_body",
                    "the provider's answer is not well-formed JSON",
                ))
            }
        };
        if status.is_success() {
            usage_of(&doc, rec);
        }
        let mut v = inspect(tenant, Direction::Outbound, &doc, reading, TokenUse::Restore(tokens));
        crate::dlp::fields::drop_rewritten_logprobs(&doc, &mut v.edits);
        self.merge_hits(rec, &v, "outbound");
        rec.action = rec.action.max(Some(v.action));
        if let Some(reason) = &v.blocked {
            rec.block = Some(reason.to_string());
            if status.is_success() {
                return Err(reply::blocked(dialect, reason, "response"));
            }
            return Err(withheld_error(status, &doc, dialect));
        }
        let mut out = if v.edits.is_empty() { body.to_vec() } else { splice(&body, &v.edits) };
        // What no string holds (an object key, say) can still carry a lent secret.
        if let Some((scrubbed, n)) = reading.secrets.scrub(&out) {
            self.count_scrubbed(rec, n);
            out = scrubbed;
        }
        let mut r = Response::new(reply::full(out));
        *r.status_mut() = status;
        if let Some(ct) = content_type {
            r.headers_mut().insert(CONTENT_TYPE, ct);
        }
        Ok(r)
    }

    /// A provider error whose body is not JSON: scanned as text, passed on redacted, or
    /// replaced by the gateway's error when blocked or unreadable.
    fn error_text(
        &self,
        status: StatusCode,
        body: &[u8],
        dialect: Dialect,
        tenant: &Tenant,
        reading: &Reading<'_>,
        rec: &mut Record,
    ) -> Result<Response<Body>, Response<Body>> {
        let withheld =
            || reply::error(dialect, status, "api_error", "upstream_error", "the provider's error body was withheld");
        let Ok(text) = std::str::from_utf8(body) else { return Err(withheld()) };
        let d = tenant.evaluate(Direction::Outbound, text.as_bytes());
        let v = crate::dlp::fields::Verdict::of(&d);
        self.merge_hits(rec, &v, "outbound");
        rec.action = rec.action.max(Some(d.action));
        if let Some(reason) = d.reason.filter(|_| d.action == dlpjet_policy::Action::Block) {
            rec.block = Some(reason.to_string());
            return Err(withheld());
        }
        let mut out = d.redacted.unwrap_or_else(|| body.to_vec());
        if let Some((scrubbed, n)) = reading.secrets.scrub(&out) {
            self.count_scrubbed(rec, n);
            out = scrubbed;
        }
        let mut r = Response::new(reply::full(out));
        *r.status_mut() = status;
        r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        Ok(r)
    }

    /// Counts lent secrets replaced outside the strings `inspect` read.
    fn count_scrubbed(&self, rec: &mut Record, n: usize) {
        let detector = crate::dlp::secrets::DETECTOR;
        self.metrics.findings("outbound", detector, "redact", n);
        let e = rec.hits.entry(detector.to_string()).or_insert((0, dlpjet_policy::Action::Redact));
        e.0 += n;
        e.1 = e.1.max(dlpjet_policy::Action::Redact);
        rec.action = rec.action.max(Some(dlpjet_policy::Action::Redact));
    }

    /// A streamed answer: filtered event by event on a task of its own, which writes the audit
    /// record when the stream ends.
    #[allow(clippy::too_many_arguments)] // one call site; a struct would only rename them
    pub(super) fn stream_response(
        self: Arc<Self>,
        resp: Response<Incoming>,
        limits: &crate::config::Limits,
        protocol: Protocol,
        tenant: &Tenant,
        tokens: Arc<Tokens>,
        (opaque, lent, warn_comment): (OpaqueFiles, Secrets, bool),
        hide_usage: bool,
        model: crate::config::Model,
        mut rec: Record,
    ) -> Response<Body> {
        let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(16);
        let mut filter = StreamFilter::new(protocol, tenant, limits.max_json_depth)
            .restoring(tokens)
            .reading(opaque, lent)
            .hiding_usage(hide_usage)
            .warning_comment(warn_comment);
        let idle = limits.upstream_idle();
        let status = resp.status();
        let gw = self.clone();
        self.metrics.stream_opened();
        tokio::spawn(async move {
            let mut body = resp.into_body();
            let mut out = Vec::new();
            let mut client_gone = false;
            let mut first_event = None;
            loop {
                let frame = tokio::time::timeout(idle, body.frame()).await;
                out.clear();
                let done = match frame {
                    Ok(Some(Ok(f))) => {
                        if let Ok(data) = f.into_data() {
                            filter.push(&data, &mut out).is_err()
                        } else {
                            false
                        }
                    }
                    Ok(None) => {
                        let _ = filter.finish(&mut out);
                        true
                    }
                    Ok(Some(Err(_))) | Err(_) => {
                        gw.metrics.upstream_error(rec.provider.as_deref().unwrap_or_default(), "stream_broken");
                        // The provider broke off: end with an error event, after what is settled.
                        let _ = filter.finish(&mut out);
                        let msg = r#"{"error":{"message":"the provider's stream broke off","type":"upstream_error","code":"upstream_stream"}}"#;
                        crate::dlp::sse::write_event(
                            &mut out,
                            &crate::dlp::sse::Event { data: msg.into(), ..Default::default() },
                        );
                        true
                    }
                };
                if !out.is_empty() {
                    if tx.send(Bytes::copy_from_slice(&out)).await.is_err() {
                        client_gone = true;
                        break;
                    }
                    if first_event.is_none() {
                        first_event = rec.started.map(|t| t.elapsed());
                    }
                }
                if done {
                    break;
                }
            }
            rec.input_tokens = filter.usage.input;
            rec.output_tokens = filter.usage.output;
            rec.cost = cost(&model, (filter.usage.input, filter.usage.output));
            for (d, (n, a)) in &filter.hits {
                gw.metrics.findings("outbound", d, a.as_str(), *n);
                let e = rec.hits.entry(d.clone()).or_insert((0, *a));
                e.0 += n;
                e.1 = e.1.max(*a);
            }
            rec.action = rec.action.max(Some(filter.action));
            rec.status = if client_gone { 499 } else { status.as_u16() };
            gw.write_audit(&mut rec).await;
            gw.metrics.stream_closed(rec.started.map(|t| t.elapsed()).unwrap_or_default(), first_event);
            drop(tx);
        });
        let mut r = Response::new(ChannelBody(rx).boxed_unsync());
        *r.status_mut() = status;
        r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
        r.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
        r
    }
}

/// The gateway's error in place of a provider error whose body the policy blocked: the
/// provider's status, and its `type` and `code` when they are plain identifiers.
fn withheld_error(status: StatusCode, doc: &json::Node, dialect: Dialect) -> Response<Body> {
    let err = doc.get("error");
    let ident = |n: Option<&json::Node>| {
        n.and_then(json::Node::as_str)
            .filter(|s| {
                !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
            })
            .map(str::to_string)
    };
    let kind = ident(err.and_then(|e| e.get("type"))).unwrap_or_else(|| "api_error".into());
    let code = ident(err.and_then(|e| e.get("code"))).unwrap_or_else(|| "upstream_error".into());
    reply::error(
        dialect,
        status,
        &kind,
        &code,
        "the provider's error message was withheld: it held data the data loss prevention policy blocks",
    )
}
