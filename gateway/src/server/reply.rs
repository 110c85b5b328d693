//! Responses the gateway writes itself: errors in the caller's provider format, JSON bodies,
//! and the security headers every response carries.

use crate::dlp::json::quote;
use crate::limits::ratelimit;
use crate::limits::shared::SharedError;
use bytes::Bytes;
use dlpjet_policy::BlockReason;
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Full};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The body of every response.
pub type Body = UnsyncBoxBody<Bytes, Infallible>;

/// Which error format the caller speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// `{"error": {"message", "type", "param", "code"}}`
    OpenAi,
    /// `{"type": "error", "error": {"type", "message"}}`
    Anthropic,
}

/// A whole body.
pub fn full(b: impl Into<Bytes>) -> Body {
    Full::new(b.into()).boxed_unsync()
}

/// An error response. `message` must never hold a sensitive value or a key.
pub fn error(dialect: Dialect, status: StatusCode, kind: &str, code: &str, message: &str) -> Response<Body> {
    let (m, k, c) = (quote(message), quote(kind), quote(code));
    let (m, k, c) = (String::from_utf8_lossy(&m), String::from_utf8_lossy(&k), String::from_utf8_lossy(&c));
    let body = match dialect {
        Dialect::OpenAi => format!(r#"{{"error":{{"message":{m},"type":{k},"param":null,"code":{c}}}}}"#),
        Dialect::Anthropic => format!(r#"{{"type":"error","error":{{"type":{k},"message":{m}}}}}"#),
    };
    json(status, body)
}

/// A JSON response.
pub fn json(status: StatusCode, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(full(body));
    *r.status_mut() = status;
    r.headers_mut().insert(hyper::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// Adds the headers every response of the gateway carries.
pub fn secure(r: &mut Response<Body>, tls: bool) {
    let h = r.headers_mut();
    let set = |h: &mut hyper::HeaderMap, k: &'static str, v: &'static str| {
        h.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
    };
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "content-security-policy", "default-src 'none'; frame-ancestors 'none'");
    set(h, "referrer-policy", "no-referrer");
    set(h, "cache-control", "no-store");
    if tls {
        set(h, "strict-transport-security", "max-age=31536000; includeSubDomains");
    }
}

/// A body fed from a channel: the filtered stream of a provider's answer.
#[derive(Debug)]
pub struct ChannelBody(pub tokio::sync::mpsc::Receiver<Bytes>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Infallible>>> {
        self.0.poll_recv(cx).map(|o| o.map(|b| Ok(hyper::body::Frame::data(b))))
    }
}

/// 403: the policy blocked the request or the response (`what`).
pub fn blocked(dialect: Dialect, reason: &BlockReason, what: &str) -> Response<Body> {
    let code = match reason {
        BlockReason::Detector { detector, .. } => detector.to_string(),
        r => r.code().to_string(),
    };
    error(
        dialect,
        StatusCode::FORBIDDEN,
        "dlp_blocked",
        &code,
        &format!("the {what} was blocked by the data loss prevention policy: {reason}"),
    )
}

/// The response with an `x-dlpjet-warning` header naming the detectors that warned.
pub fn with_warning(mut r: Response<Body>, warned: &[String]) -> Response<Body> {
    if !warned.is_empty() {
        if let Ok(v) = HeaderValue::from_str(&warned.join(",")) {
            r.headers_mut().insert("x-dlpjet-warning", v);
        }
    }
    r
}

/// 503: the shared store of rate limits and budgets did not answer. Refused rather than let
/// through uncounted; said on stderr for the operator.
pub fn shared_unavailable(dialect: Dialect, e: &SharedError) -> Response<Body> {
    eprintln!("dlpjet gateway: {e}");
    error(
        dialect,
        StatusCode::SERVICE_UNAVAILABLE,
        "api_error",
        "shared_state_unavailable",
        "the gateway's rate-limit and budget store is unavailable",
    )
}

/// 429 with `Retry-After` (whole seconds, rounded up).
pub fn too_many_requests(dialect: Dialect, l: ratelimit::Limited) -> Response<Body> {
    let secs = l.retry_after.as_secs_f64().ceil().max(1.0) as u64;
    let mut r = error(
        dialect,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limit_error",
        "rate_limit_exceeded",
        &format!("rate limit per {} reached; retry in {secs} s", l.scope.as_str()),
    );
    r.headers_mut().insert(hyper::header::RETRY_AFTER, HeaderValue::from(secs));
    r
}
