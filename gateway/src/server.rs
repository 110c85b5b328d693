//! The HTTP side: accepting connections, authenticating callers, reading bodies within limits,
//! routing to upstreams with fallback, applying DLP both ways, and auditing each request.

// Early returns carry the finished error response (about 130 bytes); each is built once per
// request and goes straight to the client, so boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

use crate::budget::{self, Budgets, Hold};
use crate::config::{Config, ProviderKind, Target};
use crate::fields::{inspect, Shape, TokenUse, Verdict};
use crate::json::{self, quote, splice, Node};
use crate::metrics::Metrics;
use crate::ratelimit::{self, RateLimiter};
use crate::reply::{self, Body, ChannelBody, Dialect};
use crate::shared::{Shared, SharedError};
use crate::stream::{Protocol, StreamFilter};
use crate::tokens::Tokens;
use arc_swap::ArcSwap;
use bytes::Bytes;
use dlpjet::audit::{AuditEvent, AuditLog, DetectorResult, EventAction, GatewayInfo, Options};
use dlpjet::policy::{Action, BlockReason, Direction, PolicySet, Tenant, DEFAULT_TENANT, REDACT_ALL};
use dlpjet::vault::{Accessor, ApiKey, MasterKey, Vault, VaultError, MASTER_KEY_ENV};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, USER_AGENT};
use hyper::{Method, Request, Response, StatusCode};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration file.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The policy file.
    #[error(transparent)]
    Policy(#[from] dlpjet::policy::PolicyError),
    /// The vault.
    #[error("vault")]
    Vault(#[from] VaultError),
    /// The audit log.
    #[error("audit log")]
    Audit(#[from] dlpjet::audit::AuditError),
    /// Listening.
    #[error("cannot listen on {addr}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// Anything else, with what it was about.
    #[error("{0}")]
    Other(String),
}

/// The tenant of audit records of requests refused before a key was verified (no key, an
/// unknown or revoked one, the address's rate limit). The presented key is never recorded.
pub const UNAUTHENTICATED: &str = "(unauthenticated)";

/// Audit appends that may be in flight at once; more wait for a slot.
const AUDIT_IN_FLIGHT: u32 = 4096;

type UpstreamClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// What a reload replaces: the configuration and what is built from it. Each request works
/// with the one in force when it arrived.
struct Live {
    config: Config,
    client: UpstreamClient,
    tls: Option<tokio_rustls::TlsAcceptor>,
}

impl Live {
    fn build(config: Config) -> Result<Live, StartError> {
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(Duration::from_secs(10)));
        http.set_nodelay(true);
        http.enforce_http(false);
        let tls_client =
            crate::tls::client_config(config.tls.upstream_ca_file.as_deref()).map_err(StartError::Other)?;
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls_client)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(90)).build(https);
        let tls = match (&config.tls.cert_file, &config.tls.key_file) {
            (Some(c), Some(k)) => {
                Some(tokio_rustls::TlsAcceptor::from(crate::tls::server_config(c, k).map_err(StartError::Other)?))
            }
            _ => None,
        };
        Ok(Live { config, client, tls })
    }
}

/// A running gateway's shared state.
pub struct Gateway {
    live: ArcSwap<Live>,
    config_path: PathBuf,
    policy: ArcSwap<PolicySet>,
    /// Always `Some` until the gateway is dropped (see `Drop`).
    vault: Option<Vault>,
    /// Whether the vault is a database server (see `vault_call`).
    vault_remote: bool,
    audit: Option<Arc<AuditLog>>,
    /// Appends in flight (at most `AUDIT_IN_FLIGHT`); shutdown takes them all before closing
    /// the log.
    audit_slots: Arc<tokio::sync::Semaphore>,
    requests: AtomicU64,
    limiter: RateLimiter,
    budgets: Arc<Budgets>,
    metrics: Metrics,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway").field("config", &self.config_path).finish_non_exhaustive()
    }
}

/// What one request did, for its audit record.
#[derive(Debug, Default)]
struct Record {
    tenant: String,
    key_id: Option<String>,
    user: Option<String>,
    model: Option<String>,
    provider: Option<String>,
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    cost: Option<f64>,
    action: Option<Action>,
    hits: BTreeMap<String, (usize, Action)>,
    status: u16,
    block: Option<String>,
    path: String,
    client_ip: Option<String>,
    user_agent: Option<String>,
    request_id: String,
    started: Option<Instant>,
    /// The request's cost estimate, held against its budgets until the cost is known.
    hold: Option<Hold>,
}

impl Gateway {
    /// Calls the vault. A PostgreSQL vault waits on the network (its client blocks): this
    /// worker thread then hands its other tasks to the runtime while it waits.
    fn vault_call<R>(&self, f: impl FnOnce(&Vault) -> R) -> R {
        let vault = self.vault();
        if self.vault_remote {
            blocking(|| f(vault))
        } else {
            f(vault)
        }
    }

    fn vault(&self) -> &Vault {
        self.vault.as_ref().expect("the vault is open until the gateway is dropped")
    }

    /// Connects to the shared store of `[shared]`, if configured: rate limits and budgets are
    /// counted there from now on, with the other instances'.
    ///
    /// # Errors
    /// The store does not answer.
    pub async fn connect_shared(&mut self) -> Result<(), StartError> {
        let config = self.live.load().config.clone();
        let Some(sc) = &config.shared else { return Ok(()) };
        let shared = Arc::new(Shared::connect(sc).await.map_err(|e| StartError::Other(e.to_string()))?);
        self.limiter.share(shared.clone());
        self.budgets = Arc::new(Budgets::counted_in(config.budgets.clone(), shared));
        Ok(())
    }

    /// Reads the configuration, the policy, the vault and the audit log.
    pub fn open(config_path: PathBuf) -> Result<Gateway, StartError> {
        let config = Config::load(&config_path)?;
        let policy = load_policy(&config)?;
        let master = match &config.vault.master_key_file {
            Some(f) => MasterKey::from_file(f)?,
            None => MasterKey::from_env(MASTER_KEY_ENV)?,
        };
        let vault = match (&config.vault.path, &config.vault.postgres) {
            // Its client blocks: off the async workers when there are any.
            (_, Some(url)) => blocking(|| Vault::open_postgres(url, &[master]))?,
            (Some(path), None) => Vault::open(path, &[master])?,
            (None, None) => unreachable!("the configuration check requires one"),
        };
        let audit = match &config.audit {
            Some(a) => Some(Arc::new(AuditLog::open(&a.dir, Options::default())?)),
            None => None,
        };
        // With [shared] the spend is Redis's (`connect_shared` replaces these budgets): the
        // audit log is not read for it.
        let spend_log = config.audit.as_ref().filter(|_| config.shared.is_none()).map(|a| a.dir.as_path());
        let budgets = Budgets::load(config.budgets.clone(), spend_log, now_micros()).map_err(StartError::Other)?;
        Ok(Gateway {
            limiter: RateLimiter::new(config.rate_limits.clone()),
            metrics: Metrics::default(),
            budgets: Arc::new(budgets),
            live: ArcSwap::from_pointee(Live::build(config)?),
            config_path,
            policy: ArcSwap::from_pointee(policy),
            vault_remote: vault.is_remote(),
            vault: Some(vault),
            audit,
            audit_slots: Arc::new(tokio::sync::Semaphore::new(AUDIT_IN_FLIGHT as usize)),
            requests: AtomicU64::new(0),
        })
    }

    /// Reads the configuration file and the policy again and puts them in force for new
    /// requests; requests and streams in flight finish with what they started with. Nothing
    /// changes when either has a mistake, or when the change needs a restart (the listening
    /// address, TLS on or off, the vault, the audit log, the budget period).
    ///
    /// # Errors
    /// What is wrong, on one line.
    pub fn reload(&self) -> Result<(), String> {
        let config = Config::load(&self.config_path).map_err(|e| e.to_string())?;
        let old = self.live.load();
        let fixed = [
            ("listen", config.listen == old.config.listen),
            ("tls (on or off)", config.tls.cert_file.is_some() == old.config.tls.cert_file.is_some()),
            ("vault", config.vault == old.config.vault),
            ("audit", config.audit == old.config.audit),
            ("budgets.period", config.budgets.period == old.config.budgets.period),
            ("shared", config.shared == old.config.shared),
        ];
        if let Some((what, _)) = fixed.iter().find(|(_, same)| !same) {
            return Err(format!("{}: {what} changed, which takes a restart", self.config_path.display()));
        }
        let policy = load_policy(&config).map_err(|e| e.to_string())?;
        let live = Live::build(config).map_err(|e| one_line(&e))?;
        self.limiter.set_limits(live.config.rate_limits.clone());
        self.budgets.set_config(live.config.budgets.clone());
        self.policy.store(Arc::new(policy));
        self.live.store(Arc::new(live));
        Ok(())
    }

    /// Serves until SIGINT or SIGTERM, then stops accepting and lets in-flight requests and
    /// streams finish (for at most 30 s). SIGHUP reloads the configuration and the policy.
    /// Prints the address it listens on, on standard output, once it does.
    pub async fn serve(self: Arc<Self>) -> Result<(), StartError> {
        let addr = self.live.load().config.listen;
        let listener =
            tokio::net::TcpListener::bind(addr).await.map_err(|source| StartError::Listen { addr, source })?;
        let local = listener.local_addr().map_err(|source| StartError::Listen { addr, source })?;
        let scheme = if self.live.load().tls.is_some() { "https" } else { "http" };
        println!("dlpjet gateway listening on {scheme}://{local}");
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let mut term = signal(tokio::signal::unix::SignalKind::terminate())?;
        let mut hup = signal(tokio::signal::unix::SignalKind::hangup())?;
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, peer)) = accepted else { continue };
                    let _ = stream.set_nodelay(true);
                    let live = self.live.load_full();
                    let watcher = graceful.watcher();
                    let gw = self.clone();
                    tokio::spawn(async move {
                        let timeout = live.config.limits.header_timeout();
                        match &live.tls {
                            None => gw.serve_connection(stream, peer, timeout, watcher).await,
                            Some(acceptor) => {
                                // The handshake counts against the header timeout (slowloris).
                                if let Ok(Ok(tls)) = tokio::time::timeout(timeout, acceptor.accept(stream)).await {
                                    gw.serve_connection(tls, peer, timeout, watcher).await;
                                }
                            }
                        }
                    });
                }
                _ = hup.recv() => {
                    match self.reload() {
                        Ok(()) => eprintln!("dlpjet gateway: configuration and policy reloaded"),
                        Err(e) => eprintln!("dlpjet gateway: not reloaded, the running configuration stays: {e}"),
                    }
                }
                _ = tokio::signal::ctrl_c() => break,
                _ = term.recv() => break,
            }
        }
        drop(listener);
        eprintln!("dlpjet gateway: shutting down, finishing requests in flight");
        tokio::select! {
            _ = graceful.shutdown() => {}
            _ = tokio::time::sleep(Duration::from_secs(30)) => eprintln!("dlpjet gateway: gave up waiting after 30 s"),
        }
        // Every record appended, then the log closed.
        let _ = self.audit_slots.acquire_many(AUDIT_IN_FLIGHT).await;
        if let Some(a) = &self.audit {
            a.close()?;
        }
        Ok(())
    }

    /// Serves one connection (plain or TLS) over HTTP/1.1.
    async fn serve_connection<I>(
        self: Arc<Self>,
        io: I,
        peer: SocketAddr,
        header_timeout: Duration,
        watcher: hyper_util::server::graceful::Watcher,
    ) where
        I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let gw = self.clone();
        let service = hyper::service::service_fn(move |req| gw.clone().handle(req, peer));
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .max_buf_size(64 << 10)
            .serve_connection(TokioIo::new(io), service);
        let _ = watcher.watch(conn).await;
    }

    async fn handle(self: Arc<Self>, req: Request<Incoming>, peer: SocketAddr) -> Result<Response<Body>, Infallible> {
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
}

/// The answer to a browser's preflight: what a listed origin may send; nothing for others (the
/// browser then refuses the request).
fn preflight(req: &Request<Incoming>, allowed: bool, max_age_secs: u32) -> Response<Body> {
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

impl Gateway {
    /// Dispatches on the path. The `bool` is true when the response is a stream that writes
    /// its own audit record.
    async fn route(
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
                let mut r = Response::new(reply::full(self.metrics.render()));
                r.headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
                return (r, false);
            }
            (&Method::GET, "/v1/models") => {
                return match self.authenticate(&req, dialect, rec) {
                    Ok(caller) => {
                        match self
                            .limiter
                            .admit_caller(&caller.id, caller.rate_limit, &caller.tenant, &caller.user)
                            .await
                        {
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
            (
                _,
                "/healthz"
                | "/v1/models"
                | "/v1/chat/completions"
                | "/v1/completions"
                | "/v1/embeddings"
                | "/v1/messages",
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
        if let Err(r) = self.limiter.admit_caller(&caller.id, caller.rate_limit, &caller.tenant, &caller.user).await {
            return (self.refused(dialect, r), false);
        }
        match self.proxy(req, live, shape, dialect, caller, rec).await {
            Ok(r) => r,
            Err(r) => (r, false),
        }
    }
}

fn models(config: &Config) -> Response<Body> {
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

impl Gateway {
    fn authenticate(
        &self,
        req: &Request<Incoming>,
        dialect: Dialect,
        rec: &mut Record,
    ) -> Result<ApiKey, Response<Body>> {
        let h = req.headers();
        let presented = h
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .or_else(|| h.get("x-api-key").and_then(|v| v.to_str().ok()))
            .map(str::trim);
        let denied = || {
            reply::error(
                dialect,
                StatusCode::UNAUTHORIZED,
                "authentication_error",
                "invalid_api_key",
                "invalid API key",
            )
        };
        let key = presented.ok_or_else(denied)?;
        let verified = match self.vault().verify_key_cached(key) {
            Some(r) => r,
            None => self.vault_call(|v| v.verify_key(key)),
        };
        match verified {
            Ok(k) => {
                rec.tenant = k.tenant.clone();
                rec.key_id = Some(k.id.clone());
                rec.user = Some(k.user.clone());
                Ok(k)
            }
            Err(VaultError::Denied(_) | VaultError::Revoked(_)) => Err(denied()),
            Err(e) => {
                eprintln!("dlpjet gateway: key check failed: {e}");
                Err(reply::error(
                    dialect,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "api_error",
                    "vault_unavailable",
                    "the key store is unavailable",
                ))
            }
        }
    }

    /// The tenant's compiled policy (the default tenant when the policy has no section for it).
    fn tenant(&self, name: &str) -> Tenant {
        let set = self.policy.load();
        // Every compiled policy has the default tenant (the `[default]` section, possibly empty).
        set.tenant(name).or_else(|_| set.tenant(DEFAULT_TENANT)).cloned().expect("a policy set has the default tenant")
    }

    async fn read_body(
        &self,
        req: Request<Incoming>,
        lim: &crate::config::Limits,
        dialect: Dialect,
    ) -> Result<Bytes, Response<Body>> {
        let encoding = req.headers().get(CONTENT_ENCODING).and_then(|v| v.to_str().ok()).map(str::to_ascii_lowercase);
        let too_large = || {
            reply::error(
                dialect,
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request_error",
                "body_too_large",
                &format!("request body larger than {} bytes", lim.max_body_bytes),
            )
        };
        let collected =
            tokio::time::timeout(lim.body_timeout(), Limited::new(req.into_body(), lim.max_body_bytes).collect()).await;
        let raw = match collected {
            Err(_) => {
                return Err(reply::error(
                    dialect,
                    StatusCode::REQUEST_TIMEOUT,
                    "invalid_request_error",
                    "body_timeout",
                    "request body not received in time",
                ))
            }
            Ok(Err(e)) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => return Err(too_large()),
            Ok(Err(_)) => {
                return Err(reply::error(
                    dialect,
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    "body_unreadable",
                    "request body could not be read",
                ))
            }
            Ok(Ok(b)) => b.to_bytes(),
        };
        let inflate = |r: &mut dyn Read| -> Result<Bytes, Response<Body>> {
            let cap = lim.max_body_bytes.min(raw.len().saturating_mul(lim.max_inflate_ratio).max(1024));
            let mut out = Vec::new();
            let read = r.take(cap as u64 + 1).read_to_end(&mut out);
            match read {
                Err(_) => Err(reply::error(
                    dialect,
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    "bad_encoding",
                    "request body could not be decompressed",
                )),
                Ok(_) if out.len() > cap => Err(reply::error(
                    dialect,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "invalid_request_error",
                    "inflate_limit",
                    "decompressed request body too large or too compressible",
                )),
                Ok(_) => Ok(Bytes::from(out)),
            }
        };
        match encoding.as_deref() {
            None | Some("identity") => Ok(raw),
            Some("gzip") => inflate(&mut flate2::read::GzDecoder::new(&raw[..])),
            Some("deflate") => inflate(&mut flate2::read::ZlibDecoder::new(&raw[..])),
            Some(other) => Err(reply::error(
                dialect,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "invalid_request_error",
                "unsupported_encoding",
                &format!("content encoding {other:?} is not supported (gzip, deflate)"),
            )),
        }
    }

    async fn proxy(
        self: &Arc<Self>,
        req: Request<Incoming>,
        live: &Arc<Live>,
        shape: Shape,
        dialect: Dialect,
        caller: ApiKey,
        rec: &mut Record,
    ) -> Result<(Response<Body>, bool), Response<Body>> {
        let passthrough: Vec<(hyper::header::HeaderName, HeaderValue)> = req
            .headers()
            .iter()
            .filter(|(k, _)| matches!(k.as_str(), "anthropic-version" | "anthropic-beta" | "openai-beta"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
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
        let stream = doc.get("stream").and_then(Node::as_bool).unwrap_or(false);
        let tenant = self.tenant(&caller.tenant);

        // What the request may cost, held against the tenant's and the key's budgets.
        let estimate = estimate_cost(model, &doc, body.len(), shape, self.budgets.default_output_tokens());
        match self.budgets.reserve(&caller.tenant, &caller.id, caller.budget, estimate, now_micros()).await {
            Ok(h) => rec.hold = Some(h),
            Err(budget::Refused::Unavailable(e)) => return Err(shared_unavailable(dialect, &e)),
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
        let verdict = inspect(&tenant, Direction::Inbound, &doc, shape, TokenUse::Record(&mut tokens));
        // Held for this request only; the values are wiped when it ends.
        let tokens = Arc::new(tokens);
        self.merge_hits(rec, &verdict, "inbound");
        rec.action = Some(verdict.action);
        if let Some(reason) = &verdict.blocked {
            rec.block = Some(reason.to_string());
            return Err(blocked(dialect, reason, "request"));
        }
        let warned: Vec<String> =
            verdict.hits.iter().filter(|(_, h)| h.action == Some(Action::Warn)).map(|(d, _)| d.clone()).collect();

        // Upstreams in order, until one answers with something other than a retryable failure.
        let mut last_error = None;
        for target in &model.route {
            let Some(up) = config.upstreams.iter().find(|u| u.name == target.upstream) else { continue };
            let out_body = outbound_body(&body, &doc, &verdict.edits, target, up.kind, stream);
            let url = format!("{}{}", up.base_url.trim_end_matches('/'), upstream_path(shape));
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
            // The provider key goes on the outbound request only, marked sensitive.
            let who = Accessor::tenant(caller.tenant.clone());
            let to_header = |k: &[u8]| {
                let value = match up.kind {
                    ProviderKind::OpenAi => [b"Bearer ".as_slice(), k].concat(),
                    ProviderKind::Anthropic => k.to_vec(),
                };
                let v = HeaderValue::from_bytes(&value);
                zeroize::Zeroize::zeroize(&mut { value });
                v
            };
            let header = match self.vault().use_proxied_cached(&who, &up.key, to_header) {
                Some(r) => r,
                None => self.vault_call(|v| v.use_proxied(&who, &up.key, to_header)),
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
            let mut r = if is_stream && status.is_success() {
                let protocol = match shape {
                    Shape::MessagesRequest => Protocol::Anthropic,
                    Shape::CompletionRequest => Protocol::OpenAiCompletion,
                    _ => Protocol::OpenAiChat,
                };
                let r = self.clone().stream_response(
                    resp,
                    &config.limits,
                    protocol,
                    &tenant,
                    tokens.clone(),
                    model.clone(),
                    std::mem::take(rec),
                );
                return Ok((with_warning(r, &warned), true));
            } else {
                self.whole_response(resp, &config.limits, shape, dialect, &tenant, &tokens, rec).await?
            };
            rec.cost = cost(model, (rec.input_tokens, rec.output_tokens));
            r = with_warning(r, &warned);
            return Ok((r, false));
        }
        let (status, code) = last_error.unwrap_or((StatusCode::BAD_GATEWAY, "no_upstream"));
        Err(reply::error(dialect, status, "api_error", code, "no upstream could serve the request"))
    }

    /// A non-streamed answer: read whole, inspected, passed on.
    #[allow(clippy::too_many_arguments)] // one call site; a struct would only rename them
    async fn whole_response(
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
                    return Err(blocked(dialect, reason, "response"));
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
    fn stream_response(
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
                        crate::sse::write_event(
                            &mut out,
                            &crate::sse::Event { data: msg.into(), ..Default::default() },
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

    /// The answer to a request the rate limits did not admit.
    fn refused(&self, dialect: Dialect, r: ratelimit::Refused) -> Response<Body> {
        match r {
            ratelimit::Refused::Limited(l) => self.rate_limited(dialect, l),
            ratelimit::Refused::Unavailable(e) => shared_unavailable(dialect, &e),
        }
    }

    /// A request refused by a rate limit.
    fn rate_limited(&self, dialect: Dialect, l: ratelimit::Limited) -> Response<Body> {
        self.metrics.limited(l.scope.as_str());
        rate_limited(dialect, l)
    }

    /// Adds a verdict's findings to the request's record and the metrics.
    fn merge_hits(&self, rec: &mut Record, v: &Verdict, direction: &'static str) {
        for (d, h) in &v.hits {
            self.metrics.findings(direction, d, h.action.unwrap_or(Action::Allow).as_str(), h.count);
        }
        merge_hits(rec, v);
    }

    /// Settles the request's budget hold with its metered cost and appends its record. With
    /// `wait_for_commit` (the default) this returns once the record is durable, so no answer
    /// leaves before its record (the append waits on the blocking pool, never on an async
    /// worker); without it the record is queued for the log's next group commit.
    async fn write_audit(&self, rec: &mut Record) {
        if let Some(h) = rec.hold.take() {
            h.settle_now(rec.cost.unwrap_or(0.0)).await;
        }
        let Some((log, e)) = self.audit_event(rec) else { return };
        let wait = self.live.load().config.audit.as_ref().is_none_or(|a| a.wait_for_commit);
        if !wait {
            // Queued for the committer thread's next batch: no thread is woken per request
            // beyond it, and closing the log at shutdown writes whatever is queued.
            if let Err(err) = log.append_queued(&e) {
                eprintln!("dlpjet gateway: audit record not written: {err}");
            }
            return;
        }
        let Ok(slot) = self.audit_slots.clone().acquire_owned().await else { return };
        let _ = tokio::task::spawn_blocking(move || {
            if let Err(err) = log.append(&e) {
                eprintln!("dlpjet gateway: audit record not written: {err}");
            }
            drop(slot);
        })
        .await;
    }

    /// Settles the request's budget hold with its metered cost, and builds its record (none
    /// without an audit log).
    fn audit_event(&self, rec: &mut Record) -> Option<(Arc<AuditLog>, AuditEvent)> {
        if let Some(h) = rec.hold.take() {
            h.settle(rec.cost.unwrap_or(0.0));
        }
        let log = self.audit.clone()?;
        let live = self.live.load();
        let action = EventAction::of(rec.action.unwrap_or(Action::Allow));
        let mut e = AuditEvent::new(rec.tenant.clone(), action)
            .target(rec.path.clone())
            .detail("instance", live.config.instance.clone());
        if let Some(k) = &rec.key_id {
            e = e.actor(format!("key:{k}"));
        }
        if let Some(u) = &rec.user {
            e = e.detail("user", u.clone());
        }
        if let Some(b) = &rec.block {
            e = e.detail("blocked", b.clone());
        }
        for (d, (n, a)) in &rec.hits {
            e.dlp.push(DetectorResult {
                detector: d.clone(),
                count: *n,
                action: a.as_str().into(),
                offsets: Vec::new(),
                fingerprints: Vec::new(),
            });
        }
        e = e.gateway(GatewayInfo {
            model: rec.model.clone(),
            provider: rec.provider.clone(),
            input_tokens: rec.input_tokens,
            output_tokens: rec.output_tokens,
            cost: rec.cost,
            status: Some(rec.status),
            client_ip: rec.client_ip.clone(),
            user_agent: rec.user_agent.clone(),
            request_id: Some(rec.request_id.clone()),
            latency_ms: rec.started.map(|t| t.elapsed().as_secs_f64() * 1e3),
        });
        Some((log, e))
    }
}

/// The record of a request still being served; see [`Gateway::handle`].
struct Unfinished {
    gw: Arc<Gateway>,
    rec: Option<Record>,
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        // Taken when the request finished; a stream's record has moved to its task.
        let Some(mut rec) = self.rec.take().filter(|r| !r.tenant.is_empty()) else { return };
        rec.status = 499;
        // No waiting in a destructor: queued for the next group commit.
        if let Some((log, e)) = self.gw.audit_event(&mut rec) {
            if let Err(err) = log.append_queued(&e) {
                eprintln!("dlpjet gateway: audit record not written: {err}");
            }
        }
    }
}

/// The policy a configuration names (every detector redacting when it names none).
fn load_policy(config: &Config) -> Result<PolicySet, dlpjet::policy::PolicyError> {
    match &config.policy {
        Some(p) => PolicySet::load(p),
        None => PolicySet::from_toml(REDACT_ALL, None),
    }
}

/// An error and its causes on one line.
fn one_line(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !s.contains(&text) {
            s = format!("{s}: {text}");
        }
        cause = c.source();
    }
    s
}

fn signal(kind: tokio::signal::unix::SignalKind) -> Result<tokio::signal::unix::Signal, StartError> {
    tokio::signal::unix::signal(kind).map_err(|e| StartError::Other(format!("cannot install a signal handler: {e}")))
}

fn now_micros() -> i64 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(t.as_micros()).unwrap_or(i64::MAX)
}

/// 503: the shared store of rate limits and budgets did not answer. Refused rather than let
/// through uncounted; said on stderr for the operator.
fn shared_unavailable(dialect: Dialect, e: &SharedError) -> Response<Body> {
    eprintln!("dlpjet gateway: {e}");
    reply::error(
        dialect,
        StatusCode::SERVICE_UNAVAILABLE,
        "api_error",
        "shared_state_unavailable",
        "the gateway's rate-limit and budget store is unavailable",
    )
}

/// Runs `f`, which blocks (the PostgreSQL vault's client), without blocking an async worker
/// thread: the worker hands its other tasks over while `f` waits. Outside a runtime, just `f`.
fn blocking<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        // The PostgreSQL client says goodbye to its server when dropped, which blocks.
        if let Some(v) = self.vault.take() {
            blocking(|| drop(v));
        }
    }
}

/// 429 with `Retry-After` (whole seconds, rounded up).
fn rate_limited(dialect: Dialect, l: ratelimit::Limited) -> Response<Body> {
    let secs = l.retry_after.as_secs_f64().ceil().max(1.0) as u64;
    let mut r = reply::error(
        dialect,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limit_error",
        "rate_limit_exceeded",
        &format!("rate limit per {} reached; retry in {secs} s", l.scope.as_str()),
    );
    r.headers_mut().insert(hyper::header::RETRY_AFTER, HeaderValue::from(secs));
    r
}

/// The most a request can cost: its input counted as one token per three bytes of body (more
/// than any provider's tokenizer makes of text), and the output it allows (`max_tokens` or its
/// aliases, times `n` choices; `default_output_tokens` when it sets none).
fn estimate_cost(model: &crate::config::Model, doc: &Node, body_len: usize, shape: Shape, default_out: u64) -> f64 {
    let input = body_len.div_ceil(3) as u64;
    let output = if shape == Shape::EmbeddingRequest {
        0
    } else {
        let max = ["max_tokens", "max_completion_tokens", "max_output_tokens"]
            .iter()
            .find_map(|k| doc.get(k).and_then(Node::as_u64))
            .unwrap_or(default_out);
        max.saturating_mul(doc.get("n").and_then(Node::as_u64).unwrap_or(1).max(1))
    };
    cost(model, (Some(input), Some(output))).unwrap_or(0.0)
}

/// Which route a path is, for metrics.
fn route_label(path: &str) -> &'static str {
    match path {
        "/healthz" => "healthz",
        "/metrics" => "metrics",
        "/v1/models" => "models",
        "/v1/chat/completions" => "chat_completions",
        "/v1/completions" => "completions",
        "/v1/embeddings" => "embeddings",
        "/v1/messages" => "messages",
        _ => "other",
    }
}

fn merge_hits(rec: &mut Record, v: &Verdict) {
    for (d, h) in &v.hits {
        let a = h.action.unwrap_or(Action::Allow);
        let e = rec.hits.entry(d.clone()).or_insert((0, a));
        e.0 += h.count;
        e.1 = e.1.max(a);
    }
}

fn blocked(dialect: Dialect, reason: &BlockReason, what: &str) -> Response<Body> {
    let code = match reason {
        BlockReason::Detector { detector, .. } => detector.to_string(),
        r => r.code().to_string(),
    };
    reply::error(
        dialect,
        StatusCode::FORBIDDEN,
        "dlp_blocked",
        &code,
        &format!("the {what} was blocked by the data loss prevention policy: {reason}"),
    )
}

fn with_warning(mut r: Response<Body>, warned: &[String]) -> Response<Body> {
    if !warned.is_empty() {
        if let Ok(v) = HeaderValue::from_str(&warned.join(",")) {
            r.headers_mut().insert("x-dlpjet-warning", v);
        }
    }
    r
}

fn upstream_path(shape: Shape) -> &'static str {
    match shape {
        Shape::CompletionRequest => "/completions",
        Shape::EmbeddingRequest => "/embeddings",
        Shape::MessagesRequest => "/messages",
        _ => "/chat/completions",
    }
}

/// The body for one upstream: the policy's redactions (`redacted`), the model name that
/// upstream knows, and (OpenAI streams) a request for usage in the stream so cost can be
/// metered — all spliced into the caller's body in one pass.
fn outbound_body(
    body: &[u8],
    doc: &Node,
    redacted: &[(std::ops::Range<usize>, Vec<u8>)],
    target: &Target,
    kind: ProviderKind,
    stream: bool,
) -> Vec<u8> {
    let mut edits = redacted.to_vec();
    if let Some(m) = doc.get("model") {
        edits.push((m.span.clone(), quote(&target.model)));
    }
    if stream && kind == ProviderKind::OpenAi && doc.get("stream_options").is_none() {
        let at = doc.span.start + 1;
        let comma = if matches!(&doc.value, json::Value::Object(m) if !m.is_empty()) { "," } else { "" };
        edits.push((at..at, format!(r#""stream_options":{{"include_usage":true}}{comma}"#).into_bytes()));
    }
    edits.sort_by_key(|(r, _)| r.start);
    splice(body, &edits)
}

fn usage_of(doc: &Node, rec: &mut Record) {
    if let Some(u) = doc.get("usage") {
        rec.input_tokens = u.get("prompt_tokens").or_else(|| u.get("input_tokens")).and_then(Node::as_u64);
        rec.output_tokens = u.get("completion_tokens").or_else(|| u.get("output_tokens")).and_then(Node::as_u64);
    }
}

fn cost(model: &crate::config::Model, (input, output): (Option<u64>, Option<u64>)) -> Option<f64> {
    if input.is_none() && output.is_none() {
        return None;
    }
    Some(input.unwrap_or(0) as f64 * model.input_price / 1e6 + output.unwrap_or(0) as f64 * model.output_price / 1e6)
}
