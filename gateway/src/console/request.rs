//! What the console reads from a request: URL-encoded forms and queries, the session cookie,
//! and the CSRF token; and the cookies it sets.

use super::error::ConsoleError;
use super::store::Store;
use crate::config::ConsoleConfig;
use dlpjet_vault::Role;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue, COOKIE};
use subtle::ConstantTimeEq;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "dlpjet_console";

/// A URL-encoded form or query string, by field name (the first value of each).
#[derive(Clone, Debug, Default)]
pub struct Form(Vec<(String, String)>);

impl Form {
    /// Parses `application/x-www-form-urlencoded` text; malformed escapes stay as written.
    pub fn parse(s: &str) -> Form {
        Form(
            s.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (decode(k), decode(v))
                })
                .collect(),
        )
    }

    /// The field `name`, when present and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }
}

/// Percent-decoding with `+` as a space.
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit() => {
                let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
                out.push(hex(b[i + 1]) << 4 | hex(b[i + 2]));
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads a form body of at most `limit` bytes.
///
/// # Errors
/// The body is larger, or the connection failed.
pub async fn read_form(body: Incoming, limit: usize) -> Result<Form, ConsoleError> {
    let limited = http_body_util::Limited::new(body, limit);
    let bytes = limited
        .collect()
        .await
        .map_err(|e| ConsoleError::Invalid(format!("the form could not be read (at most {limit} bytes): {e}")))?
        .to_bytes();
    let text = std::str::from_utf8(&bytes).map_err(|_| ConsoleError::Invalid("the form is not UTF-8".into()))?;
    Ok(Form::parse(text))
}

/// Who is asking: a signed-in person, their session's CSRF token and their tenants.
#[derive(Clone, Debug)]
pub struct Visitor {
    /// Their address.
    pub email: String,
    /// Their session's CSRF token.
    pub csrf: String,
    /// The tenants they are a member of, with their role in each.
    pub tenants: Vec<(String, Role)>,
}

impl Visitor {
    /// The tenant `wanted` (their first when `None`) and their role in it; `None` when they
    /// are not a member of it.
    pub fn role(&self, wanted: Option<&str>) -> Option<(String, Role)> {
        match wanted {
            Some(t) => self.tenants.iter().find(|(n, _)| n == t).cloned(),
            None => self.tenants.first().cloned(),
        }
    }
}

/// The session id in the request's cookie, if any.
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE_NAME)
        .map(|(_, v)| v.to_string())
}

/// The signed-in visitor, when the request carries a live session of someone who is still a
/// member of a tenant.
///
/// # Errors
/// The store cannot be read.
pub fn visitor(store: &Store, config: &ConsoleConfig, headers: &HeaderMap) -> Result<Option<Visitor>, ConsoleError> {
    let Some(id) = session_id(headers) else { return Ok(None) };
    let Some(s) = store.session(&id, config.idle_timeout())? else { return Ok(None) };
    let tenants = store.roles(&s.email)?;
    if tenants.is_empty() {
        return Ok(None);
    }
    Ok(Some(Visitor { email: s.email, csrf: s.csrf, tenants }))
}

/// Whether the form carries the visitor's CSRF token (compared in constant time).
pub fn csrf_ok(v: &Visitor, form: &Form) -> bool {
    form.get("csrf").is_some_and(|t| bool::from(t.as_bytes().ct_eq(v.csrf.as_bytes())))
}

/// The session cookie: `HttpOnly`, `SameSite=Lax`, `Secure` with TLS, for the session's life.
pub fn session_cookie(id: &str, config: &ConsoleConfig, tls: bool) -> HeaderValue {
    let secure = if tls { "; Secure" } else { "" };
    let v = format!(
        "{COOKIE_NAME}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        config.session_lifetime().as_secs()
    );
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("dlpjet_console=; Path=/; Max-Age=0"))
}

/// A cookie that removes the session cookie.
pub fn clear_cookie(tls: bool) -> HeaderValue {
    if tls {
        HeaderValue::from_static("dlpjet_console=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure")
    } else {
        HeaderValue::from_static("dlpjet_console=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_and_cookies_are_found() {
        let f = Form::parse("a=1&b=x+y%21&c=&d=%zz&e=%4");
        assert_eq!(f.get("a"), Some("1"));
        assert_eq!(f.get("b"), Some("x y!"));
        assert_eq!(f.get("c"), None);
        assert_eq!(f.get("d"), Some("%zz"));
        assert_eq!(f.get("e"), Some("%4"));
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_static("x=1; dlpjet_console=abc; y=2"));
        assert_eq!(session_id(&h).as_deref(), Some("abc"));
    }
}
