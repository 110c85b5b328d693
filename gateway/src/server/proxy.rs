//! The way out: the inbound policy, the budget hold, the upstream call with fallback.

use super::record::{cost, estimate_cost, Record};
use super::reply::{self, Body, Dialect};
use super::{now_micros, Gateway, Live};
use crate::config::{ProviderKind, Target};
use crate::dlp::fields::{inspect, Reading, Shape, TokenUse};
use crate::dlp::json::{self, quote, splice, Node};
use crate::dlp::secrets::Secrets;
use crate::dlp::stream::Protocol;
use crate::dlp::tokenize::Tokens;
use crate::limits::budget::{self};
use crate::limits::keys::Caller;
use bytes::Bytes;
use dlpjet_policy::{Action, Direction};
use dlpjet_vault::Accessor;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Request, Response, StatusCode};
use std::sync::Arc;

impl Gateway {
    pub(super) async fn proxy(
        self: &Arc<Self>,
        req: Request<Incoming>,
        live: &Arc<Live>,
        shape: Shape,
        dialect: Dialect,
        caller: Caller,
        rec: &mut Record,
    ) -> Result<(Response<Body>, bool), Response<Body>> {
        let passthrough: Vec<(hyper::header::HeaderName, HeaderValue)> = req
            .headers()
            .iter()
            .filter(|(k, _)| matches!(k.as_str(), "anthropic-version" | "anthropic-beta" | "openai-beta"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        // Forwarded as they are (Azure OpenAI's `api-version`, say).
        let query = req.uri().query().map(str::to_string);
        let config = &live.config;
        let body = self.read_body(req, &config.limits, dialect).await?;
        let bad = |code: &str, msg: String| {
            reply::error(dialect, StatusCode::BAD_REQUEST, "invalid_request_error", code, &msg)
        };
        let doc = json::parse(&body, config.limits.max_json_depth)
            .map_err(|e| bad(e.code(), format!("request body: {e}")))?;
        if !matches!(doc.value, json::Value::Object(_)) {
            return Err(bad("invalid_request", "request body: not a JSON object".into()));
        }
        let alias = doc
            .get("model")
            .and_then(Node::as_str)
            .ok_or_else(|| bad("invalid_request", "request body: \"model\" (a string) is required".into()))?
            .to_string();
        rec.model = Some(alias.clone());
        let Some(model) = config.models.get(&alias) else {
            return Err(reply::error(
                dialect,
                StatusCode::NOT_FOUND,
                "not_found_error",
                "model_not_found",
                &format!("unknown model {alias:?}"),
            ));
        };
        let wanted = match dialect {
            Dialect::OpenAi => ProviderKind::OpenAi,
            Dialect::Anthropic => ProviderKind::Anthropic,
        };
        let kind = model.route.first().and_then(|t| config.upstreams.iter().find(|u| u.name == t.upstream));
        if let Some(up) = kind.filter(|u| u.kind != wanted) {
            return Err(bad(
                "model_dialect_mismatch",
                format!("model {alias:?} is served by an {} upstream; send it in that API's format", up.kind.as_str()),
            ));
        }
        let stream = doc.get("stream").and_then(Node::as_bool).unwrap_or(false);
        let tenant = self.tenant(&caller.key.tenant);

        // What the request may cost, held against the tenant's and the key's budgets.
        let estimate = estimate_cost(model, &doc, body.len(), shape, self.budgets.default_output_tokens());
        match self
            .budgets
            .reserve(&caller.key.tenant, &caller.key.id, caller.limits.budget, estimate, now_micros())
            .await
        {
            Ok(h) => rec.hold = Some(h),
            Err(budget::Refused::Unavailable(e)) => return Err(reply::shared_unavailable(dialect, &e)),
            Err(budget::Refused::Exceeded(e)) => {
                self.metrics.limited("budget");
                let mut r = reply::error(
                    dialect,
                    StatusCode::TOO_MANY_REQUESTS,
                    "insufficient_quota",
                    "budget_exceeded",
                    &format!(
                        "the {}'s budget ({} per {}) would be exceeded by this request",
                        e.scope,
                        e.limit,
                        e.period.as_str()
                    ),
                );
                // The SDKs retry 429s unless told not to; waiting does not refill a budget.
                r.headers_mut().insert("x-should-retry", HeaderValue::from_static("false"));
                return Err(r);
            }
        }

        // DLP on the way in.
        let mut tokens = Tokens::default();
        let none_lent = Secrets::default();
        let reading = Reading { opaque: config.dlp.opaque_files, secrets: &none_lent };
        let mut verdict = inspect(&tenant, Direction::Inbound, &doc, &reading, TokenUse::Record(&mut tokens));
        if shape == Shape::EmbeddingRequest
            && config.dlp.tokenize_on_embeddings == crate::config::EmbeddingsTokenize::Allow
        {
            allow_tokenized(&mut verdict, &tokens);
        }
        // Held for this request only; the values are wiped when it ends.
        let tokens = Arc::new(tokens);
        self.merge_hits(rec, &verdict, "inbound");
        rec.action = Some(verdict.action);
        if let Some(reason) = &verdict.blocked {
            rec.block = Some(reason.to_string());
            return Err(reply::blocked(dialect, reason, "request"));
        }
        if shape == Shape::EmbeddingRequest
            && config.dlp.tokenize_on_embeddings == crate::config::EmbeddingsTokenize::Refuse
        {
            if let Some((d, h)) = verdict.hits.iter().find(|(_, h)| h.action == Some(Action::Tokenize)) {
                let reason = dlpjet_policy::BlockReason::Detector { detector: d.as_str().into(), hits: h.count };
                rec.action = Some(Action::Block);
                rec.block = Some(reason.to_string());
                return Err(reply::blocked(dialect, &reason, "request"));
            }
        }
        let warned: Vec<String> =
            verdict.hits.iter().filter(|(_, h)| h.action == Some(Action::Warn)).map(|(d, _)| d.clone()).collect();

        // Upstreams in order, until one answers with something other than a retryable failure.
        let mut last_error = None;
        // Routes tried, and those that answered 429 with the longest `retry-after` among them.
        let (mut tried, mut limited, mut retry_after) = (0, 0, None::<HeaderValue>);
        for target in &model.route {
            let Some(up) = config.upstreams.iter().find(|u| u.name == target.upstream) else { continue };
            tried += 1;
            // OpenAI chat and text-completion streams carry usage only when asked (the Responses
            // API's `response.completed` always does).
            let ask_usage = stream
                && up.kind == ProviderKind::OpenAi
                && matches!(shape, Shape::ChatRequest | Shape::CompletionRequest)
                && doc.get("stream_options").is_none();
            let out_body = outbound_body(&body, &doc, &verdict.edits, target, ask_usage);
            let url = up.url(upstream_path(shape), query.as_deref());
            let mut builder = Request::post(&url).header(CONTENT_TYPE, "application/json");
            for (k, v) in &passthrough {
                builder = builder.header(k, v);
            }
            if up.kind == ProviderKind::Anthropic && !passthrough.iter().any(|(k, _)| k == "anthropic-version") {
                builder = builder.header("anthropic-version", "2023-06-01");
            }
            let mut out_req = match builder.body(Full::new(Bytes::from(out_body))) {
                Ok(r) => r,
                Err(_) => {
                    return Err(reply::error(
                        dialect,
                        StatusCode::BAD_GATEWAY,
                        "api_error",
                        "bad_upstream_url",
                        "upstream URL is invalid",
                    ))
                }
            };
            // The provider key goes on the outbound request only, marked sensitive; it is also
            // lent to this request's scrubber, which removes it from whatever comes back.
            let who = Accessor::tenant(caller.key.tenant.clone());
            let mut lent = Secrets::default();
            let to_header = |k: &[u8]| {
                lent.add(k);
                header_of(up.kind, k)
            };
            let header = match self.vault().use_proxied_cached(&who, &up.key, to_header) {
                Some(r) => r,
                None => {
                    let mut key = Secrets::default();
                    let r = self.vault_call(|v| {
                        v.use_proxied(&who, &up.key, |k| {
                            key.add(k);
                            header_of(up.kind, k)
                        })
                    });
                    lent = key;
                    r
                }
            };
            let header = match header {
                Ok(Ok(mut v)) => {
                    v.set_sensitive(true);
                    v
                }
                Ok(Err(_)) | Err(_) => {
                    self.metrics.upstream_error(&up.name, "key_unavailable");
                    last_error = Some((StatusCode::BAD_GATEWAY, "provider_key_unavailable"));
                    continue;
                }
            };
            let name = match up.kind {
                ProviderKind::OpenAi => AUTHORIZATION,
                ProviderKind::Anthropic => hyper::header::HeaderName::from_static("x-api-key"),
            };
            out_req.headers_mut().insert(name, header);
            rec.provider = Some(up.name.clone());
            let sent = tokio::time::timeout(config.limits.upstream_timeout(), live.client.request(out_req)).await;
            let resp = match sent {
                Err(_) => {
                    self.metrics.upstream_error(&up.name, "timeout");
                    last_error = Some((StatusCode::GATEWAY_TIMEOUT, "upstream_timeout"));
                    continue;
                }
                Ok(Err(_)) => {
                    self.metrics.upstream_error(&up.name, "unreachable");
                    last_error = Some((StatusCode::BAD_GATEWAY, "upstream_unreachable"));
                    continue;
                }
                Ok(Ok(r)) => r,
            };
            let status = resp.status();
            if status == StatusCode::TOO_MANY_REQUESTS {
                limited += 1;
                if let Some(after) = resp.headers().get(RETRY_AFTER) {
                    if retry_after.as_ref().is_none_or(|prev| secs(prev) < secs(after)) {
                        retry_after = Some(after.clone());
                    }
                }
            }
            if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
                // The provider refused the gateway's key: the caller's key was fine, so this is
                // the gateway's failure, not a 401 the caller would take for its own. The
                // provider's body is not passed on.
                self.metrics.upstream_error(&up.name, "auth_failed");
                last_error = Some((StatusCode::BAD_GATEWAY, "provider_auth_failed"));
                continue;
            }
            if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                self.metrics
                    .upstream_error(&up.name, if status.is_server_error() { "status_5xx" } else { "status_429" });
                last_error = Some((
                    StatusCode::BAD_GATEWAY,
                    if status.is_server_error() { "upstream_error" } else { "upstream_rate_limited" },
                ));
                continue;
            }
            let is_stream = resp
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/event-stream"));
            let reading = Reading { opaque: config.dlp.opaque_files, secrets: &lent };
            let mut r = if is_stream && status.is_success() {
                let protocol = match shape {
                    Shape::MessagesRequest => Protocol::Anthropic,
                    Shape::CompletionRequest => Protocol::OpenAiCompletion,
                    Shape::ResponsesRequest => Protocol::OpenAiResponses,
                    _ => Protocol::OpenAiChat,
                };
                let r = self.clone().stream_response(
                    resp,
                    &config.limits,
                    protocol,
                    &tenant,
                    tokens.clone(),
                    (config.dlp.opaque_files, lent.clone(), config.dlp.stream_warning_comment),
                    ask_usage,
                    model.clone(),
                    std::mem::take(rec),
                );
                return Ok((reply::with_warning(r, &warned), true));
            } else {
                self.whole_response(resp, &config.limits, dialect, &tenant, &tokens, &reading, rec).await?
            };
            rec.cost = cost(model, (rec.input_tokens, rec.output_tokens));
            r = reply::with_warning(r, &warned);
            return Ok((r, false));
        }
        if tried > 0 && limited == tried {
            // Every route was rate-limited: the caller may retry, after the provider's wait.
            let mut r = reply::error(
                dialect,
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_error",
                "upstream_rate_limited",
                "the provider is rate-limiting requests; retry later",
            );
            if let Some(v) = retry_after {
                r.headers_mut().insert(RETRY_AFTER, v);
            }
            return Err(r);
        }
        let (status, code) = last_error.unwrap_or((StatusCode::BAD_GATEWAY, "no_upstream"));
        let message = match code {
            "provider_auth_failed" => "the provider refused the gateway's credentials for this model",
            _ => "no upstream could serve the request",
        };
        Err(reply::error(dialect, status, "api_error", code, message))
    }
}

/// A `retry-after` header's seconds (0 when it is a date or unreadable).
fn secs(v: &HeaderValue) -> u64 {
    v.to_str().ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}

/// The header that carries a provider key of `kind`.
fn header_of(kind: ProviderKind, k: &[u8]) -> Result<HeaderValue, hyper::header::InvalidHeaderValue> {
    let value = match kind {
        ProviderKind::OpenAi => [b"Bearer ".as_slice(), k].concat(),
        ProviderKind::Anthropic => k.to_vec(),
    };
    let v = HeaderValue::from_bytes(&value);
    zeroize::Zeroize::zeroize(&mut { value });
    v
}

pub(super) fn upstream_path(shape: Shape) -> &'static str {
    match shape {
        Shape::CompletionRequest => "/completions",
        Shape::EmbeddingRequest => "/embeddings",
        Shape::MessagesRequest => "/messages",
        Shape::ResponsesRequest => "/responses",
        _ => "/chat/completions",
    }
}

/// `[dlp] tokenize_on_embeddings = "allow"`: the values that `tokenize` findings replaced go
/// upstream as they were (each edit's tokens restored, JSON-escaped), and those findings are
/// recorded as `allow`. Other actions' edits stay.
fn allow_tokenized(verdict: &mut crate::dlp::fields::Verdict, tokens: &Tokens) {
    for (_, bytes) in &mut verdict.edits {
        if let Some(restored) = tokens.restore_json(bytes) {
            *bytes = restored;
        }
    }
    let mut action = Action::Allow;
    for h in verdict.hits.values_mut() {
        if h.action == Some(Action::Tokenize) {
            h.action = Some(Action::Allow);
        }
        action = action.max(h.action.unwrap_or(Action::Allow));
    }
    verdict.action = action;
}

/// The body for one upstream: the policy's redactions (`redacted`), the model name that
/// upstream knows, and (`ask_usage`) a request for usage in the stream so cost can be
/// metered — all spliced into the caller's body in one pass.
pub(super) fn outbound_body(
    body: &[u8],
    doc: &Node,
    redacted: &[(std::ops::Range<usize>, Vec<u8>)],
    target: &Target,
    ask_usage: bool,
) -> Vec<u8> {
    let mut edits = redacted.to_vec();
    if let Some(m) = doc.get("model") {
        edits.push((m.span.clone(), quote(&target.model)));
    }
    if ask_usage {
        let at = doc.span.start + 1;
        let comma = if matches!(&doc.value, json::Value::Object(m) if !m.is_empty()) { "," } else { "" };
        edits.push((at..at, format!(r#""stream_options":{{"include_usage":true}}{comma}"#).into_bytes()));
    }
    edits.sort_by_key(|(r, _)| r.start);
    splice(body, &edits)
}
