//! Routing: each request's record and CORS, the route it takes, the answers the gateway
//! gives itself (health, metrics, models).

use super::record::{Record, Unfinished};
use super::reply::{self, Body, Dialect};
use super::{Gateway, Live, UNAUTHENTICATED};
use crate::config::Config;
use crate::dlp::fields::Shape;
use crate::dlp::json::quote;
use crate::limits::keys::Caller;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE, USER_AGENT};
use hyper::{Method, Request, Response, StatusCode};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

impl Gateway {
    pub(super) async fn handle(
        self: Arc<Self>,
        req: Request<Incoming>,
        peer: SocketAddr,
    ) -> Result<Response<Body>, Infallible> {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        let live = self.live.load_full();
        let rec = Record {
            path: req.uri().path().to_string(),
            client_ip: Some(peer.ip().to_string()),
            user_agent: req.headers().get(USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string),
            request_id: format!("{}-{n:x}", live.config.instance),
            started: Some(Instant::now()),
            ..Record::default()
        };
        let request_id = rec.request_id.clone();
        let label = route_label(req.uri().path());
        let origin = req.headers().get(hyper::header::ORIGIN).cloned();
        let cors = &live.config.cors;
        let allowed_origin = origin.filter(|o| cors.allow_origins.iter().any(|a| a.as_bytes() == o.as_bytes()));
        let is_preflight = req.method() == Method::OPTIONS && !cors.allow_origins.is_empty();
        // Should the caller go away while the request is being served (hyper then drops this
        // future), the guard still writes the authenticated request's record, with status 499.
        let mut guard = Unfinished { gw: self.clone(), rec: Some(rec) };
        let (mut resp, streamed) = if is_preflight {
            (preflight(&req, allowed_origin.is_some(), cors.max_age_secs), false)
        } else {
            self.route(req, &live, guard.rec.as_mut().expect("present until taken below")).await
        };
        let mut rec = guard.rec.take().expect("present until taken here");
        if let Some(o) = allowed_origin {
            let h = resp.headers_mut();
            h.insert(hyper::header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
            h.insert(
                hyper::header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static("x-request-id, x-dlpjet-warning, retry-after"),
            );
        }
        if !cors.allow_origins.is_empty() {
            resp.headers_mut().append(hyper::header::VARY, HeaderValue::from_static("origin"));
        }
        reply::secure(&mut resp, live.tls.is_some());
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            resp.headers_mut().insert("x-request-id", v);
        }
        // Every request has a record — a stream writes its own when it ends — except health
        // checks, metric scrapes and preflights, which carry no data and would drown the log.
        if !streamed && !is_preflight && !matches!(label, "healthz" | "metrics") {
            if rec.tenant.is_empty() {
                rec.tenant = UNAUTHENTICATED.to_string();
            }
            rec.status = resp.status().as_u16();
            self.write_audit(&mut rec).await;
        }
        self.metrics.request(label, resp.status().as_u16(), rec.started.map(|t| t.elapsed()).unwrap_or_default());
        Ok(resp)
    }

    /// Dispatches on the path. The `bool` is true when the response is a stream that writes
    /// its own audit record.
    pub(super) async fn route(
        self: &Arc<Self>,
        req: Request<Incoming>,
        live: &Arc<Live>,
        rec: &mut Record,
    ) -> (Response<Body>, bool) {
        let path = req.uri().path().to_string();
        let dialect = if path == "/v1/messages" { Dialect::Anthropic } else { Dialect::OpenAi };
        if path != "/healthz" && path != "/metrics" {
            if let Some(ip) = &rec.client_ip {
                if let Err(r) = self.limiter.admit_ip(ip).await {
                    return (self.refused(dialect, r), false);
                }
            }
        }
        let shape = match (req.method(), path.as_str()) {
            (&Method::GET, "/healthz") => return (reply::json(StatusCode::OK, r#"{"status":"ok"}"#), false),
            (&Method::GET, "/metrics") if live.config.metrics => {
                if let Some(token) = &live.config.metrics_token {
                    if !bearer_matches(&req, &token.0) {
                        let mut r = reply::json(StatusCode::UNAUTHORIZED, r#"{"error":"metrics need a bearer token"}"#);
                        r.headers_mut().insert("www-authenticate", HeaderValue::from_static("Bearer"));
                        return (r, false);
                    }
                }
                let mut r = Response::new(reply::full(self.metrics.render()));
                r.headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
                return (r, false);
            }
            (&Method::GET, "/v1/models") => {
                return match self.authenticate(&req, dialect, rec) {
                    Ok(Caller { key, limits }) => {
                        match self.limiter.admit_caller(&key.id, limits.rate_limit, &key.tenant, &key.user).await {
                            Ok(()) => (models(&live.config), false),
                            Err(r) => (self.refused(dialect, r), false),
                        }
                    }
                    Err(r) => (r, false),
                };
            }
            (&Method::POST, "/v1/chat/completions") => Shape::ChatRequest,
            (&Method::POST, "/v1/completions") => Shape::CompletionRequest,
            (&Method::POST, "/v1/embeddings") => Shape::EmbeddingRequest,
            (&Method::POST, "/v1/messages") => Shape::MessagesRequest,
            (&Method::POST, "/v1/responses") => Shape::ResponsesRequest,
            (
                _,
                "/healthz"
                | "/v1/models"
                | "/v1/chat/completions"
                | "/v1/completions"
                | "/v1/embeddings"
                | "/v1/messages"
                | "/v1/responses",
            ) => {
                return (
                    reply::error(
                        dialect,
                        StatusCode::METHOD_NOT_ALLOWED,
                        "invalid_request_error",
                        "method_not_allowed",
                        "method not allowed",
                    ),
                    false,
                );
            }
            _ => {
                return (
                    reply::error(dialect, StatusCode::NOT_FOUND, "not_found_error", "not_found", "unknown route"),
                    false,
                )
            }
        };
        let caller = match self.authenticate(&req, dialect, rec) {
            Ok(c) => c,
            Err(r) => return (r, false),
        };
        let (key, limits) = (&caller.key, caller.limits);
        if let Err(r) = self.limiter.admit_caller(&key.id, limits.rate_limit, &key.tenant, &key.user).await {
            return (self.refused(dialect, r), false);
        }
        match self.proxy(req, live, shape, dialect, caller, rec).await {
            Ok(r) => r,
            Err(r) => (r, false),
        }
    }
}

/// The answer to a browser's preflight: what a listed origin may send; nothing for others (the
/// browser then refuses the request).
pub(super) fn preflight(req: &Request<Incoming>, allowed: bool, max_age_secs: u32) -> Response<Body> {
    let mut r = Response::new(reply::full(Bytes::new()));
    *r.status_mut() = StatusCode::NO_CONTENT;
    if allowed {
        let h = r.headers_mut();
        h.insert(hyper::header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
        let asked = req.headers().get(hyper::header::ACCESS_CONTROL_REQUEST_HEADERS).cloned();
        h.insert(
            hyper::header::ACCESS_CONTROL_ALLOW_HEADERS,
            asked.unwrap_or(HeaderValue::from_static("authorization, content-type, x-api-key")),
        );
        h.insert(hyper::header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from(max_age_secs));
    }
    r
}

pub(super) fn models(config: &Config) -> Response<Body> {
    let data: Vec<String> = config
        .models
        .keys()
        .map(|m| {
            format!(
                r#"{{"id":{},"object":"model","created":0,"owned_by":"dlpjet"}}"#,
                String::from_utf8_lossy(&quote(m))
            )
        })
        .collect();
    reply::json(StatusCode::OK, format!(r#"{{"object":"list","data":[{}]}}"#, data.join(",")))
}

/// Which route a path is, for metrics.
pub(super) fn route_label(path: &str) -> &'static str {
    match path {
        "/healthz" => "healthz",
        "/metrics" => "metrics",
        "/v1/models" => "models",
        "/v1/chat/completions" => "chat_completions",
        "/v1/completions" => "completions",
        "/v1/embeddings" => "embeddings",
        "/v1/messages" => "messages",
        "/v1/responses" => "responses",
        _ => "other",
    }
}

/// Whether `req` carries `Authorization: Bearer TOKEN`, compared in constant time.
fn bearer_matches(req: &Request<Incoming>, token: &str) -> bool {
    let given = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let (a, b) = (given.as_bytes(), token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
