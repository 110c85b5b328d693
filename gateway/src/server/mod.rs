//! The HTTP side: accepting connections, authenticating callers, reading bodies within limits,
//! routing to upstreams with fallback, applying DLP both ways, and auditing each request.
//!
//! This module starts, reloads and stops the gateway and serves connections; each step of a
//! request has a module of its own, in the order a request meets them: `route` (the
//! request's record, CORS, which route), `auth` (the caller's key and limits), `body`
//! (reading within limits), `proxy` (inbound policy, budget hold, upstream with fallback),
//! `response` (outbound policy on whole and streamed answers), `record` (the audit record)
//! and [`reply`] (the gateway's own answers).

// Early returns carry the finished error response (about 130 bytes); each is built once per
// request and goes straight to the client, so boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

mod auth;
mod body;
mod proxy;
mod record;
pub mod reply;
mod response;
mod route;

use crate::config::Config;
use crate::limits::budget::Budgets;
use crate::limits::ratelimit::RateLimiter;
use crate::limits::shared::Shared;
use crate::metrics::Metrics;
use arc_swap::ArcSwap;
use bytes::Bytes;
use dlpjet_audit::{AuditLog, Options};
use dlpjet_policy::{PolicySet, REDACT_ALL};
use dlpjet_vault::{MasterKey, Vault, VaultError, MASTER_KEY_ENV};
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

/// The gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration file.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The policy file.
    #[error(transparent)]
    Policy(#[from] dlpjet_policy::PolicyError),
    /// The vault.
    #[error("vault")]
    Vault(#[from] VaultError),
    /// The audit log.
    #[error("audit log")]
    Audit(#[from] dlpjet_audit::AuditError),
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
    /// The public half of the audit log's checkpoint key, when it signs checkpoints.
    checkpoint_public: Option<dlpjet_audit::VerifyingKey>,
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

    pub(crate) fn vault(&self) -> &Vault {
        self.vault.as_ref().expect("the vault is open until the gateway is dropped")
    }

    /// The HTTP client the gateway calls out with (upstreams, an OpenID Connect provider).
    pub(crate) fn http_client(&self) -> UpstreamClient {
        self.live.load().client.clone()
    }

    /// The policy in force.
    pub(crate) fn policy(&self) -> Arc<PolicySet> {
        self.policy.load_full()
    }

    /// The audit log's directory, when there is one.
    pub(crate) fn audit_dir(&self) -> Option<PathBuf> {
        self.live.load().config.audit.as_ref().map(|a| a.dir.clone())
    }

    /// The public half of the audit log's checkpoint key, when it signs checkpoints.
    pub(crate) fn checkpoint_public_key(&self) -> Option<dlpjet_audit::VerifyingKey> {
        self.checkpoint_public
    }

    /// Appends `e` to the audit log and returns once it is written (blocks: call it off the
    /// async workers). Without a log, nothing.
    ///
    /// # Errors
    /// The log could not be written.
    pub(crate) fn append_audit(&self, e: &dlpjet_audit::AuditEvent) -> Result<(), dlpjet_audit::AuditError> {
        match &self.audit {
            Some(log) => log.append(e).map(|_| ()),
            None => Ok(()),
        }
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
            (Some(path), None) => Vault::open_existing(path, &[master])?,
            (None, None) => unreachable!("the configuration check requires one"),
        };
        let mut checkpoint_public = None;
        let audit = match &config.audit {
            Some(a) => {
                let checkpoint_key =
                    a.checkpoint_key_file.as_deref().map(dlpjet_audit::read_signing_key).transpose()?;
                checkpoint_public = checkpoint_key.as_ref().map(|k| k.verifying_key());
                let o = Options { checkpoint_key, checkpoint_every: a.checkpoint_every.max(1), ..Options::default() };
                Some(Arc::new(AuditLog::open(&a.dir, o)?))
            }
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
            checkpoint_public,
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
        let tls = self.live.load().tls.is_some();
        let scheme = if tls { "https" } else { "http" };
        println!("dlpjet gateway listening on {scheme}://{local}");
        let console = self.start_console().await?;
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
        if let Some(c) = console {
            c.abort();
        }
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

    /// Opens the console and serves it on its own listener, when `[console]` is configured.
    /// Its activity index is caught up with the audit log in the background (half a minute for
    /// a new index of a million records): neither the API nor the console waits for it, and
    /// the pages that need it say how far it is. Prints the console's address on standard
    /// output.
    async fn start_console(self: &Arc<Self>) -> Result<Option<tokio::task::JoinHandle<()>>, StartError> {
        let Some(cc) = self.live.load().config.console.clone() else { return Ok(None) };
        let addr = cc.listen;
        let gw = self.clone();
        // The console is served with the API's certificate when the API has one.
        let acceptor = self.live.load().tls.clone();
        let tls = acceptor.is_some();
        let listener =
            tokio::net::TcpListener::bind(addr).await.map_err(|source| StartError::Listen { addr, source })?;
        let local = listener.local_addr().map_err(|source| StartError::Listen { addr, source })?;
        let console = tokio::task::spawn_blocking(move || crate::console::Console::open(gw, cc, tls, local))
            .await
            .map_err(|e| StartError::Other(format!("console: {e}")))?
            .map_err(|e| StartError::Other(e.to_string()))?;
        println!("dlpjet console listening on {}://{local}", if tls { "https" } else { "http" });
        Ok(Some(tokio::spawn(Arc::new(console).serve(listener, acceptor))))
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
}

impl Drop for Gateway {
    fn drop(&mut self) {
        // The PostgreSQL client says goodbye to its server when dropped, which blocks.
        if let Some(v) = self.vault.take() {
            blocking(|| drop(v));
        }
    }
}

/// The policy a configuration names (every detector redacting when it names none).
fn load_policy(config: &Config) -> Result<PolicySet, dlpjet_policy::PolicyError> {
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

/// Microseconds since the epoch, now.
pub(crate) fn now_micros() -> i64 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(t.as_micros()).unwrap_or(i64::MAX)
}

/// Runs `f`, which blocks (the PostgreSQL vault's client), without blocking an async worker
/// thread: the worker hands its other tasks over while `f` waits. Outside a runtime, just `f`.
fn blocking<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}
