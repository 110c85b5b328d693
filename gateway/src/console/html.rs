//! Drawing the console's pages: escaping, the page shell (navigation, tenant switch,
//! sign-out), forms with their CSRF token, SVG charts, and the embedded assets.

use crate::server::reply::{full, Body};
use dlpjet_vault::Role;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use hyper::{Response, StatusCode};
use std::fmt::Write as _;

/// The stylesheet.
pub const CSS: &str = include_str!("assets/console.css");
/// The script: progressive enhancement only (confirmations, copy buttons, auto-submitting
/// selects); every page works without it.
pub const JS: &str = include_str!("assets/console.js");

/// `s` escaped for HTML text and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `s` percent-encoded for a URL query value.
pub fn url(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Who the page is for: the shell's navigation, tenant switch and sign-out form.
#[derive(Debug)]
pub struct Shell<'a> {
    /// The visitor's address.
    pub email: &'a str,
    /// Their CSRF token.
    pub csrf: &'a str,
    /// The tenant shown.
    pub tenant: &'a str,
    /// Their role there.
    pub role: Role,
    /// All their tenants.
    pub tenants: &'a [(String, Role)],
}

impl Shell<'_> {
    /// The hidden fields every form of the page carries: the CSRF token and the tenant.
    pub fn hidden(&self) -> String {
        format!(
            r#"<input type="hidden" name="csrf" value="{}"><input type="hidden" name="tenant" value="{}">"#,
            esc(self.csrf),
            esc(self.tenant)
        )
    }
}

/// A whole page.
pub fn page(title: &str, body: &str, shell: Option<Shell<'_>>) -> Response<Body> {
    let mut h = String::with_capacity(body.len() + 2048);
    let _ = write!(
        h,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{} · dlpjet console</title><link rel="stylesheet" href="/assets/console.css"><script src="/assets/console.js" defer></script></head><body>"#,
        esc(title)
    );
    if let Some(s) = &shell {
        let t = url(s.tenant);
        let _ = write!(h, r#"<header><strong class="brand">dlpjet</strong><nav>"#);
        let mut links = vec![("Activity", "/activity"), ("Overview", "/overview"), ("Keys", "/keys")];
        if matches!(s.role, Role::Owner | Role::Admin) {
            links.push(("Policies", "/policies"));
        }
        if s.role == Role::Owner {
            links.push(("Members", "/members"));
        }
        for (name, href) in links {
            let _ = write!(h, r#"<a href="{href}?tenant={t}">{name}</a>"#);
        }
        let _ = write!(
            h,
            r#"</nav><form method="get" action="/activity" class="tenant"><label>Tenant <select name="tenant" data-autosubmit>"#
        );
        for (name, role) in s.tenants {
            let sel = if name == s.tenant { " selected" } else { "" };
            let _ = write!(h, r#"<option value="{0}"{sel}>{0} ({1})</option>"#, esc(name), role.as_str());
        }
        let _ = write!(
            h,
            r#"</select></label><noscript><button>Go</button></noscript></form><form method="post" action="/sign-out" class="out">{}<span>{}</span> <button>Sign out</button></form></header>"#,
            s.hidden(),
            esc(s.email)
        );
    }
    let _ = write!(h, "<main><h1>{}</h1>{body}</main></body></html>", esc(title));
    html_response(StatusCode::OK, h)
}

/// An HTML response.
pub fn html_response(status: StatusCode, body: String) -> Response<Body> {
    let mut r = Response::new(full(body));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r
}

/// A page that says what went wrong (never with a sensitive value: messages name fields).
pub fn error_page(status: StatusCode, message: &str) -> Response<Body> {
    let mut r = page(
        status.canonical_reason().unwrap_or("Error"),
        &format!(r#"<p class="error" role="alert">{}</p><p><a href="/">Back</a></p>"#, esc(message)),
        None,
    );
    *r.status_mut() = status;
    r
}

/// 303 to `to`.
pub fn redirect(to: &str) -> Response<Body> {
    let mut r = Response::new(full(""));
    *r.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(LOCATION, v);
    }
    r
}

/// An embedded asset.
pub fn asset(kind: &'static str, text: &'static str) -> Response<Body> {
    let mut r = Response::new(full(text));
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(kind));
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("max-age=3600"));
    r
}

/// A bar chart of `bars` (label, value) as inline SVG, `w` by `h` pixels, bars in `class`.
pub fn bar_chart(title: &str, bars: &[(String, f64)], class: &str) -> String {
    let (w, h, pad) = (720.0_f64, 180.0_f64, 24.0_f64);
    let max = bars.iter().map(|b| b.1).fold(0.0_f64, f64::max).max(1e-9);
    let n = bars.len().max(1) as f64;
    let bw = (w - 2.0 * pad) / n;
    let mut s = format!(
        r#"<figure><figcaption>{}</figcaption><svg viewBox="0 0 {w} {h}" role="img" aria-label="{}" class="chart">"#,
        esc(title),
        esc(title)
    );
    for (i, (label, v)) in bars.iter().enumerate() {
        let bh = (v / max) * (h - 2.0 * pad);
        let x = pad + i as f64 * bw;
        let _ = write!(
            s,
            r#"<rect class="{class}" x="{x:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}"><title>{}: {}</title></rect>"#,
            h - pad - bh,
            (bw - 2.0).max(1.0),
            esc(label),
            fmt_num(*v)
        );
    }
    if let (Some(first), Some(last)) = (bars.first(), bars.last()) {
        let _ = write!(
            s,
            r#"<text x="{pad}" y="{}" class="axis">{}</text><text x="{}" y="{}" text-anchor="end" class="axis">{}</text><text x="{pad}" y="14" class="axis">max {}</text>"#,
            h - 6.0,
            esc(&first.0),
            w - pad,
            h - 6.0,
            esc(&last.0),
            fmt_num(max)
        );
    }
    s.push_str("</svg></figure>");
    s
}

/// A number as the charts and tables show it.
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.4}")
    }
}

/// A horizontal list of bars with labels (top detectors, top users).
pub fn ranking(title: &str, rows: &[(String, u64)]) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f64;
    let mut s = format!(r#"<section class="ranking"><h2>{}</h2>"#, esc(title));
    if rows.is_empty() {
        s.push_str("<p>None in this period.</p>");
    }
    s.push_str("<ol>");
    for (name, n) in rows {
        let _ = write!(
            s,
            r#"<li><span class="name">{}</span><svg viewBox="0 0 100 8" class="bar" aria-hidden="true"><rect x="0" y="0" width="{:.1}" height="8"></rect></svg><span class="n">{n}</span></li>"#,
            esc(name),
            (*n as f64 / max) * 100.0
        );
    }
    s.push_str("</ol></section>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(esc(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(url("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    }
}
