//! Serving the console: connections, the security headers, and the routes — which pages
//! need no session (assets, sign-in, links, the OpenID Connect redirect), the session and CSRF
//! checks, the tenant and role, and the page that answers.

use super::ctx::Ctx;
use super::error::ConsoleError;
use super::request::{self, Form};
use super::state::Console;
use super::{activity, html, keys, members, oidc, overview, policies, sign_in};
use crate::server::reply::{self, Body};
use dlpjet_audit::EventAction;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

impl Console {
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
            // A form trickled in byte by byte holds a connection: 30 s at most.
            match tokio::time::timeout(Duration::from_secs(30), request::read_form(body, limit)).await {
                Ok(Ok(f)) => f,
                Ok(Err(e)) => return Ok(self.finish(html::error_page(StatusCode::BAD_REQUEST, &e.to_string()))),
                Err(_) => {
                    let why = "the form did not arrive within 30 s";
                    return Ok(self.finish(html::error_page(StatusCode::REQUEST_TIMEOUT, why)));
                }
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
            (true, _, "/healthz") => {
                return match self.index.ready() {
                    Ok(()) => html::asset("text/plain", "ok\n"),
                    Err(ConsoleError::Unavailable(why)) => unavailable(&why),
                    Err(e) => html::error_page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
                }
            }
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
            Err(ConsoleError::Unavailable(why)) => unavailable(&why),
            Err(e @ ConsoleError::Store(_)) => html::error_page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        }
    }

    /// Signs in with a one-time link: rate-limited per client address, audited either way.
    fn redeem(&self, token: &str, peer: SocketAddr) -> Response<Body> {
        if let Some(r) = self.too_many_attempts("/invite", peer) {
            return r;
        }
        match self.store.redeem(token) {
            Ok((email, tenant)) => self.signed_in(&email, &tenant, "/invite", peer),
            Err(ConsoleError::Denied(why)) => {
                self.audit_denied("(console)", None, "/invite", &why, peer);
                sign_in::page(Some(&why), self.oidc.as_ref().map(oidc::Oidc::issuer))
            }
            Err(e) => html::error_page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        }
    }

    /// `None` when `peer` may try to sign in at `path` now; otherwise the refusal (audited).
    fn too_many_attempts(&self, path: &str, peer: SocketAddr) -> Option<Response<Body>> {
        if self.attempt_allowed(peer) {
            return None;
        }
        self.audit_denied("(console)", None, path, "too many sign-in attempts", peer);
        Some(html::error_page(
            StatusCode::TOO_MANY_REQUESTS,
            "too many sign-in attempts from your address: wait a minute",
        ))
    }

    /// Starts `email`'s session after a sign-in at `path`, audits it, and sends them to
    /// `tenant`'s activity with the session cookie.
    fn signed_in(&self, email: &str, tenant: &str, path: &str, peer: SocketAddr) -> Response<Body> {
        match self.store.start_session(email, self.config.session_lifetime()) {
            Ok((id, _)) => {
                self.audit(Console::event(tenant, EventAction::Login, Some(email), path, peer));
                let mut r = html::redirect(&format!("/activity?tenant={}", html::url(tenant)));
                r.headers_mut().insert(hyper::header::SET_COOKIE, request::session_cookie(&id, &self.config, self.tls));
                r
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
        if let Some(r) = self.too_many_attempts("/oidc/start", peer) {
            return r;
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
        if let Some(r) = self.too_many_attempts("/oidc/callback", peer) {
            return r;
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
        self.signed_in(&email, tenant, "/oidc/callback", peer)
    }
}

/// 503 with `Retry-After`: the page needs the activity index, which is being built.
fn unavailable(why: &str) -> Response<Body> {
    let mut r = html::error_page(StatusCode::SERVICE_UNAVAILABLE, why);
    r.headers_mut().insert(hyper::header::RETRY_AFTER, hyper::header::HeaderValue::from_static("5"));
    r
}

/// The non-empty part of `path` between `prefix` and `suffix`.
fn between<'a>(path: &'a str, prefix: &str, suffix: &str) -> Option<&'a str> {
    path.strip_prefix(prefix)?.strip_suffix(suffix).filter(|m| !m.is_empty() && !m.contains('/'))
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
