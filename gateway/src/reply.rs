//! Responses the gateway writes itself: errors in the caller's provider format, JSON bodies,
//! and the security headers every response carries.

use crate::json::quote;
use bytes::Bytes;
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
