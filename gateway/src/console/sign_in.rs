//! Signing in: the sign-in page, and the page a one-time link opens. The link's page posts
//! back before it is used, so a mail scanner that follows links does not spend it.

use super::html::{self, esc};
use crate::server::reply::Body;
use hyper::{Response, StatusCode};

/// The sign-in page, with `problem` when the last attempt failed, and a button for the
/// OpenID Connect provider `oidc` when one is configured.
pub fn page(problem: Option<&str>, oidc: Option<&str>) -> Response<Body> {
    let mut body = String::new();
    if let Some(p) = problem {
        body.push_str(&format!(r#"<p class="error" role="alert">{}</p>"#, esc(p)));
    }
    if let Some(issuer) = oidc {
        body.push_str(&format!(
            r#"<p><a class="button" id="oidc" href="/oidc/start">Sign in with {}</a></p>"#,
            esc(issuer)
        ));
    }
    body.push_str(
        r#"<p>Or sign in with the one-time link an owner of your tenant gave you. The first owner's
        link comes from <code>dlpjet console invite --role owner EMAIL</code> on the gateway's host.</p>"#,
    );
    let mut r = html::page("Sign in", &body, None);
    if problem.is_some() {
        *r.status_mut() = StatusCode::FORBIDDEN;
    }
    r
}

/// The page of a sign-in link: one button that uses it.
pub fn invite_page(token: &str) -> Response<Body> {
    let body = format!(
        r#"<p>This link signs you in once.</p><form method="post" action="/invite/{}"><button id="use-invite">Sign in</button></form>"#,
        esc(&html::url(token))
    );
    html::page("Sign in", &body, None)
}
