//! The web console: where a security team reads what the gateway decided and manages keys,
//! members and policies. Served by the gateway on a listener of its own (`[console]`), off
//! unless configured; server-rendered HTML with a little unobtrusive JavaScript, assets
//! embedded in the binary.
//!
//! What it can show: decisions and their metadata (tenant, user, key id, action, detectors and
//! counts, model, tokens, cost, status, client address and user agent), key records and
//! secret names. What it cannot: a sensitive value (audit records hold none: counts, offsets
//! and keyed fingerprints only), a key's secret after the page that created it, a vault
//! secret's value. Every query is scoped on the server to a tenant the person is a member of,
//! and to their own records and keys when they are a member rather than an admin or owner.
//!
//! Modules, in the order a request meets them: `request` (cookies, forms, the session and
//! CSRF checks), [`oidc`] (sign-in through a provider), the pages (`activity`, `overview`,
//! `keys`, `policies`, `members`, `sign_in`), drawn with [`html`]; [`store`] keeps members,
//! sign-in links and sessions, [`index`] the activity index.

mod activity;
pub mod html;
pub mod index;
mod keys;
mod members;
pub mod oidc;
mod overview;
mod policies;
mod request;
mod sign_in;
pub mod store;

use crate::config::ConsoleConfig;
use crate::server::reply::{self, Body};
use crate::server::Gateway;
use dlpjet_audit::{AuditEvent, EventAction};
use dlpjet_vault::Role;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use request::{Form, Visitor};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use store::Store;

/// What went wrong in the console.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// Its state or index could not be read or written.
    #[error("console: {0}")]
    Store(String),
    /// The request is not allowed (who, what): shown as 403 and audited.
    #[error("{0}")]
    Denied(String),
    /// The request is malformed (which field, what is wrong): shown on the page as 400.
    #[error("{0}")]
    Invalid(String),
    /// Nothing there.
    #[error("not found")]
    NotFound,
}

/// The running console.
pub struct Console {
    gw: Arc<Gateway>,
    config: ConsoleConfig,
    tls: bool,
    store: Store,
    index: index::Index,
    /// Sign-in attempts per client address: (window start, count).
    attempts: std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, (Instant, u32)>>,
    /// The last verification of the log: when, and its result in a line.
    verified: std::sync::Mutex<Option<(Instant, String, bool)>>,
    /// Sign-in through an OpenID Connect provider, when configured.
    oidc: Option<oidc::Oidc>,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console").field("listen", &self.config.listen).finish_non_exhaustive()
    }
}

impl Console {
    /// Opens the console's state and index (building the index from the audit log when it is
    /// missing), for a console listening on `local`.
    ///
    /// # Errors
    /// The state or the index cannot be opened, or the log read.
    pub fn open(
        gw: Arc<Gateway>,
        mut config: ConsoleConfig,
        tls: bool,
        local: SocketAddr,
    ) -> Result<Console, ConsoleError> {
        // Links and the OpenID Connect redirect name the address the console really listens on
        // (`listen` may ask for any free port) unless a public URL is configured.
        if config.public_url.is_none() {
            config.public_url = Some(format!("{}://{local}", if tls { "https" } else { "http" }));
        }
        let log = gw.audit_dir().ok_or_else(|| ConsoleError::Store("the console needs an [audit] log".into()))?;
        let store = Store::open(&config.state)?;
        let index = index::Index::open(&config.index_path(), &log)?;
        let oidc = config.oidc.clone().map(oidc::Oidc::new);
        Ok(Console { gw, config, tls, store, index, attempts: Default::default(), verified: Default::default(), oidc })
    }

    /// The console's state (members, sign-in links, sessions).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Serves the console on `listener` (with TLS through `tls`) until the task is dropped.
    pub async fn serve(self: Arc<Self>, listener: tokio::net::TcpListener, tls: Option<tokio_rustls::TlsAcceptor>) {
        loop {
            let Ok((stream, peer)) = listener.accept().await else { continue };
            // A page is written in a few pieces: without this, Nagle's algorithm and the
            // client's delayed acknowledgement hold the last one back by tens of milliseconds.
            let _ = stream.set_nodelay(true);
            let console = self.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let timeout = Duration::from_secs(10);
                match tls {
                    None => console.serve_connection(stream, peer).await,
                    Some(acceptor) => {
                        if let Ok(Ok(s)) = tokio::time::timeout(timeout, acceptor.accept(stream)).await {
                            console.serve_connection(s, peer).await;
                        }
                    }
                }
            });
        }
    }

    async fn serve_connection<I>(self: Arc<Self>, io: I, peer: SocketAddr)
    where
        I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let service = hyper::service::service_fn(move |req| self.clone().handle(req, peer));
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(Duration::from_secs(10))
            .serve_connection(hyper_util::rt::TokioIo::new(io), service);
        let _ = conn.await;
    }

    /// Answers one request.
    pub async fn handle(
        self: Arc<Self>,
        req: Request<Incoming>,
        peer: SocketAddr,
    ) -> Result<Response<Body>, Infallible> {
        let (parts, body) = req.into_parts();
        let limit = if parts.uri.path() == "/policies/try" { 1 << 20 } else { 64 << 10 };
        let form = if parts.method == Method::POST {
            match request::read_form(body, limit).await {
                Ok(f) => f,
                Err(e) => return Ok(self.finish(html::error_page(StatusCode::BAD_REQUEST, &e.to_string()))),
            }
        } else {
            Form::default()
        };
        let console = self.clone();
        let resp = tokio::task::spawn_blocking(move || console.route(&parts, &form, peer)).await.unwrap_or_else(|_| {
            html::error_page(StatusCode::INTERNAL_SERVER_ERROR, "the console failed on this request")
        });
        Ok(self.finish(resp))
    }

    fn finish(&self, mut r: Response<Body>) -> Response<Body> {
        reply::secure(&mut r, self.tls);
        // Pages load their own stylesheet and script, nothing else, and post only to the console.
        r.headers_mut().insert(
            hyper::header::CONTENT_SECURITY_POLICY,
            hyper::header::HeaderValue::from_static(
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; \
                 base-uri 'none'; frame-ancestors 'none'",
            ),
        );
        r
    }

    fn route(&self, parts: &hyper::http::request::Parts, form: &Form, peer: SocketAddr) -> Response<Body> {
        let path = parts.uri.path().to_string();
        let query = Form::parse(parts.uri.query().unwrap_or(""));
        let get = parts.method == Method::GET || parts.method == Method::HEAD;
        let post = parts.method == Method::POST;
        // Pages anyone may see.
        match (get, post, path.as_str()) {
            (true, _, "/assets/console.css") => return html::asset("text/css", html::CSS),
            (true, _, "/assets/console.js") => return html::asset("text/javascript", html::JS),
            (true, _, "/sign-in") => return sign_in::page(None, self.oidc.as_ref().map(oidc::Oidc::issuer)),
            (true, _, "/oidc/start") => return self.oidc_start(peer),
            (true, _, "/oidc/callback") => return self.oidc_finish(&query, peer),
            _ => {}
        }
        if let Some(token) = path.strip_prefix("/invite/") {
            return match (get, post) {
                (true, _) => sign_in::invite_page(token),
                (_, true) => self.redeem(token, peer),
                _ => html::error_page(StatusCode::METHOD_NOT_ALLOWED, "GET or POST"),
            };
        }
        // Everything else needs a session.
        let visitor = match request::visitor(&self.store, &self.config, &parts.headers) {
            Ok(Some(v)) => v,
            Ok(None) if get => {
                // A cookie that names no live session: expired, signed out, or forged.
                if request::session_id(&parts.headers).is_some() {
                    self.audit_denied("(console)", None, &path, "unknown, expired or tampered session", peer);
                }
                let mut r = html::redirect("/sign-in");
                r.headers_mut().insert(hyper::header::SET_COOKIE, request::clear_cookie(self.tls));
                return r;
            }
            Ok(None) => {
                self.audit_denied("(console)", None, &path, "no session, or an expired or tampered one", peer);
                return html::error_page(StatusCode::UNAUTHORIZED, "sign in first: your session has ended");
            }
            Err(e) => return html::error_page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        };
        if post && !request::csrf_ok(&visitor, form) {
            self.audit_denied(
                visitor.tenants.first().map_or("(console)", |t| t.0.as_str()),
                Some(&visitor),
                &path,
                "forged or missing CSRF token",
                peer,
            );
            return html::error_page(
                StatusCode::FORBIDDEN,
                "this form is stale or forged (CSRF token mismatch): reload the page",
            );
        }
        if post && path == "/sign-out" {
            if let Some(id) = request::session_id(&parts.headers) {
                let _ = self.store.end_session(&id);
            }
            let mut r = html::redirect("/sign-in");
            r.headers_mut().insert(hyper::header::SET_COOKIE, request::clear_cookie(self.tls));
            return r;
        }
        // The tenant the page is about: one the visitor is a member of.
        let wanted = query.get("tenant").or_else(|| form.get("tenant"));
        let (tenant, role) = match visitor.role(wanted) {
            Some(x) => x,
            None => {
                let t = wanted.unwrap_or("(none)");
                self.audit_denied(t, Some(&visitor), &path, "not a member of this tenant", peer);
                return html::error_page(StatusCode::FORBIDDEN, &format!("you are not a member of tenant {t:?}"));
            }
        };
        let ctx = Ctx { console: self, visitor: &visitor, tenant: &tenant, role, peer };
        let result = match (get, post, path.as_str()) {
            (true, _, "/") => Ok(html::redirect(&format!("/activity?tenant={}", html::url(&tenant)))),
            (true, _, "/activity") => activity::page(&ctx, &query),
            (true, _, "/activity.csv") => activity::export(&ctx, &query, activity::Export::Csv),
            (true, _, "/activity.jsonl") => activity::export(&ctx, &query, activity::Export::JsonLines),
            (true, _, "/verify") => activity::verify(&ctx),
            (true, _, p) if between(p, "/activity/", "").is_some() => {
                activity::detail(&ctx, between(p, "/activity/", "").unwrap_or_default())
            }
            (true, _, "/overview") => overview::page(&ctx, &query),
            (true, _, "/keys") => keys::page(&ctx, None),
            (_, true, "/keys") => keys::create(&ctx, form),
            (_, true, p) if between(p, "/keys/", "/revoke").is_some() => {
                keys::revoke(&ctx, between(p, "/keys/", "/revoke").unwrap_or_default())
            }
            (_, true, p) if between(p, "/secrets/", "/revoke").is_some() => {
                keys::revoke_secret(&ctx, between(p, "/secrets/", "/revoke").unwrap_or_default())
            }
            (_, true, p) if between(p, "/secrets/", "/rotate").is_some() => {
                keys::rotate_secret(&ctx, between(p, "/secrets/", "/rotate").unwrap_or_default(), form)
            }
            (true, _, "/policies") => policies::page(&ctx, None),
            (_, true, "/policies/try") => policies::try_it(&ctx, form),
            (true, _, "/members") => members::page(&ctx, None),
            (_, true, "/members/invite") => members::invite(&ctx, form),
            (_, true, "/members/role") => members::set_role(&ctx, form),
            _ => Err(ConsoleError::NotFound),
        };
        match result {
            Ok(r) => r,
            Err(ConsoleError::Denied(why)) => {
                self.audit_denied(&tenant, Some(&visitor), &path, &why, peer);
                html::error_page(StatusCode::FORBIDDEN, &why)
            }
            Err(ConsoleError::Invalid(why)) => html::error_page(StatusCode::BAD_REQUEST, &why),
            Err(ConsoleError::NotFound) => html::error_page(StatusCode::NOT_FOUND, "no such page or record"),
            Err(e @ ConsoleError::Store(_)) => html::error_page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        }
    }

    /// Signs in with a one-time link: rate-limited per client address, audited either way.
    fn redeem(&self, token: &str, peer: SocketAddr) -> Response<Body> {
        if !self.attempt_allowed(peer) {
            self.audit_denied("(console)", None, "/invite", "too many sign-in attempts", peer);
            return html::error_page(
                StatusCode::TOO_MANY_REQUESTS,
                "too many sign-in attempts from your address: wait a minute",
            );
        }
        match self.store.redeem(token) {
            Ok((email, tenant)) => match self.store.start_session(&email, self.config.session_lifetime()) {
                Ok((id, _)) => {
                    self.audit(
                        AuditEvent::new(&tenant, EventAction::Login)
                            .actor(format!("console:{email}"))
                            .target("/invite")
                            .detail("client_ip", peer.ip().to_string()),
                    );
                    let mut r = html::redirect(&format!("/activity?tenant={}", html::url(&tenant)));
                    r.headers_mut()
                        .insert(hyper::header::SET_COOKIE, request::session_cookie(&id, &self.config, self.tls));
                    r
                }
                Err(e) => html::error_page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
            },
            Err(ConsoleError::Denied(why)) => {
                self.audit_denied("(console)", None, "/invite", &why, peer);
                sign_in::page(Some(&why), self.oidc.as_ref().map(oidc::Oidc::issuer))
            }
            Err(e) => html::error_page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        }
    }

    fn redirect_uri(&self) -> String {
        format!("{}/oidc/callback", self.config.base_url(self.tls))
    }

    /// Sends someone to the OpenID Connect provider.
    fn oidc_start(&self, peer: SocketAddr) -> Response<Body> {
        let Some(o) = &self.oidc else {
            return html::error_page(StatusCode::NOT_FOUND, "no OpenID Connect provider is configured");
        };
        if !self.attempt_allowed(peer) {
            self.audit_denied("(console)", None, "/oidc/start", "too many sign-in attempts", peer);
            return html::error_page(
                StatusCode::TOO_MANY_REQUESTS,
                "too many sign-in attempts from your address: wait a minute",
            );
        }
        match o.start(&self.gw.http_client(), &self.redirect_uri()) {
            Ok(url) => html::redirect(&url),
            Err(e) => html::error_page(StatusCode::BAD_GATEWAY, &e.to_string()),
        }
    }

    /// Finishes an OpenID Connect sign-in: the provider says who it is; the members table
    /// says whether they may come in.
    fn oidc_finish(&self, q: &Form, peer: SocketAddr) -> Response<Body> {
        let Some(o) = &self.oidc else {
            return html::error_page(StatusCode::NOT_FOUND, "no OpenID Connect provider is configured");
        };
        let issuer = Some(o.issuer());
        if !self.attempt_allowed(peer) {
            self.audit_denied("(console)", None, "/oidc/callback", "too many sign-in attempts", peer);
            return html::error_page(
                StatusCode::TOO_MANY_REQUESTS,
                "too many sign-in attempts from your address: wait a minute",
            );
        }
        let email =
            match o.finish(&self.gw.http_client(), &self.redirect_uri(), q.get("code"), q.get("state"), q.get("error"))
            {
                Ok(e) => e,
                Err(ConsoleError::Denied(why)) => {
                    self.audit_denied("(console)", None, "/oidc/callback", &why, peer);
                    return sign_in::page(Some(&why), issuer);
                }
                Err(e) => return html::error_page(StatusCode::BAD_GATEWAY, &e.to_string()),
            };
        let roles = match self.store.roles(&email) {
            Ok(r) => r,
            Err(e) => return html::error_page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        };
        let Some((tenant, _)) = roles.first() else {
            let why = format!("{email} is not a member of any tenant: ask an owner for an invitation");
            self.audit_denied("(console)", None, "/oidc/callback", &why, peer);
            return sign_in::page(Some(&why), issuer);
        };
        match self.store.start_session(&email, self.config.session_lifetime()) {
            Ok((id, _)) => {
                self.audit(
                    AuditEvent::new(tenant, EventAction::Login)
                        .actor(format!("console:{email}"))
                        .target("/oidc/callback")
                        .detail("method", "oidc")
                        .detail("client_ip", peer.ip().to_string()),
                );
                let mut r = html::redirect(&format!("/activity?tenant={}", html::url(tenant)));
                r.headers_mut().insert(hyper::header::SET_COOKIE, request::session_cookie(&id, &self.config, self.tls));
                r
            }
            Err(e) => html::error_page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        }
    }

    fn attempt_allowed(&self, peer: SocketAddr) -> bool {
        let mut a = self.attempts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        a.retain(|_, (t, _)| now.duration_since(*t) < Duration::from_secs(60));
        let e = a.entry(peer.ip()).or_insert((now, 0));
        e.1 += 1;
        e.1 <= self.config.sign_in_per_minute
    }

    /// Appends `e` to the audit log, durably, before the answer leaves.
    fn audit(&self, e: AuditEvent) {
        if let Err(err) = self.gw.append_audit(&e) {
            eprintln!("dlpjet console: audit record not written: {err}");
        }
    }

    fn audit_denied(&self, tenant: &str, who: Option<&Visitor>, path: &str, why: &str, peer: SocketAddr) {
        let mut e = AuditEvent::new(tenant, EventAction::Denied)
            .target(path.to_string())
            .detail("reason", why.to_string())
            .detail("client_ip", peer.ip().to_string());
        if let Some(v) = who {
            e = e.actor(format!("console:{}", v.email));
        }
        self.audit(e);
    }
}

/// The non-empty part of `path` between `prefix` and `suffix`.
fn between<'a>(path: &'a str, prefix: &str, suffix: &str) -> Option<&'a str> {
    path.strip_prefix(prefix)?.strip_suffix(suffix).filter(|m| !m.is_empty() && !m.contains('/'))
}

/// What a page handler works with: who asks, about which tenant, with which role there.
pub(crate) struct Ctx<'a> {
    console: &'a Console,
    visitor: &'a Visitor,
    tenant: &'a str,
    role: Role,
    peer: SocketAddr,
}

impl Ctx<'_> {
    /// Whether the visitor is an admin or owner of the tenant (sees all its activity and keys).
    fn admin(&self) -> bool {
        matches!(self.role, Role::Owner | Role::Admin)
    }

    /// Refuses unless the visitor is an admin or owner.
    fn need_admin(&self, what: &str) -> Result<(), ConsoleError> {
        if self.admin() {
            Ok(())
        } else {
            Err(ConsoleError::Denied(format!("{what} needs the admin or owner role in {}", self.tenant)))
        }
    }

    /// The page shell around `body`.
    fn page(&self, title: &str, body: &str) -> Response<Body> {
        html::page(title, body, Some(self.shell()))
    }

    fn shell(&self) -> html::Shell<'_> {
        html::Shell {
            email: &self.visitor.email,
            csrf: &self.visitor.csrf,
            tenant: self.tenant,
            role: self.role,
            tenants: &self.visitor.tenants,
        }
    }

    /// Appends an audit record of something the visitor did.
    fn audit(&self, action: EventAction, target: String, details: &[(&str, String)]) {
        let mut e = AuditEvent::new(self.tenant, action)
            .actor(format!("console:{}", self.visitor.email))
            .target(target)
            .detail("client_ip", self.peer.ip().to_string());
        for (k, v) in details {
            e = e.detail(*k, v.clone());
        }
        self.console.audit(e);
    }
}

#[cfg(test)]
mod tests {
    use super::between;

    #[test]
    fn path_parameters() {
        assert_eq!(between("/keys/abc/revoke", "/keys/", "/revoke"), Some("abc"));
        assert_eq!(between("/keys/revoke", "/keys/", "/revoke"), None);
        assert_eq!(between("/keys//revoke", "/keys/", "/revoke"), None);
        assert_eq!(between("/keys/a/b/revoke", "/keys/", "/revoke"), None);
        assert_eq!(between("/activity/12", "/activity/", ""), Some("12"));
        assert_eq!(between("/activity/", "/activity/", ""), None);
    }
}
