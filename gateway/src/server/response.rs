//! The way back: the outbound policy on whole and streamed answers.

use super::record::{cost, usage_of, Record};
use super::reply::{self, Body, ChannelBody, Dialect};
use super::Gateway;
use crate::dlp::fields::{inspect, Shape, TokenUse};
use crate::dlp::json::{self, splice};
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
    /// A non-streamed answer: read whole, inspected, passed on.
    #[allow(clippy::too_many_arguments)] // one call site; a struct would only rename them
    pub(super) async fn whole_response(
        &self,
        resp: Response<Incoming>,
        limits: &crate::config::Limits,
        shape: Shape,
        dialect: Dialect,
        tenant: &Tenant,
        tokens: &Tokens,
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
        let mut out = body.clone();
        if status.is_success() {
            let shape = match shape {
                Shape::ChatRequest => Some(Shape::ChatResponse),
                Shape::CompletionRequest => Some(Shape::CompletionResponse),
                Shape::MessagesRequest => Some(Shape::MessagesResponse),
                _ => None,
            };
            let doc = json::parse(&body, limits.max_json_depth).map_err(|_| {
                reply::error(
                    dialect,
                    StatusCode::BAD_GATEWAY,
                    "api_error",
                    "upstream_body",
                    "the provider's answer is not well-formed JSON",
                )
            })?;
            usage_of(&doc, rec);
            if let Some(shape) = shape {
                let v = inspect(tenant, Direction::Outbound, &doc, shape, TokenUse::Restore(tokens));
                self.merge_hits(rec, &v, "outbound");
                rec.action = rec.action.max(Some(v.action));
                if let Some(reason) = &v.blocked {
                    rec.block = Some(reason.to_string());
                    return Err(reply::blocked(dialect, reason, "response"));
                }
                if !v.edits.is_empty() {
                    out = Bytes::from(splice(&body, &v.edits));
                }
            }
        }
        let mut r = Response::new(reply::full(out));
        *r.status_mut() = status;
        if let Some(ct) = content_type {
            r.headers_mut().insert(CONTENT_TYPE, ct);
        }
        Ok(r)
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
        model: crate::config::Model,
        mut rec: Record,
    ) -> Response<Body> {
        let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(16);
        let mut filter = StreamFilter::new(protocol, tenant, limits.max_json_depth).restoring(tokens);
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
