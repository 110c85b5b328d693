//! Sign-in through an OpenID Connect provider: the authorization code flow with PKCE (S256),
//! `state` and `nonce`, the ID token's signature checked against the provider's published keys
//! (RS256 or ES256, through `ring`, which TLS already brings), and its issuer, audience,
//! expiry and nonce. The provider says who someone is; the console's own members table says
//! what they may do.

use super::error::ConsoleError;
use super::html::url;
use crate::config::OidcConfig;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a sign-in may take between leaving for the provider and coming back.
const PENDING_FOR: Duration = Duration::from_secs(600);
/// How long the provider's discovery document and keys are kept.
const KEYS_FOR: Duration = Duration::from_secs(3600);
/// Clock skew allowed on `exp`, `nbf` and `iat`.
const SKEW_SECS: i64 = 60;

/// The HTTP client the gateway calls providers with.
pub type Client = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    Full<Bytes>,
>;

/// What the provider's discovery document says, and its keys.
#[derive(Clone, Debug)]
struct Provider {
    authorization_endpoint: String,
    token_endpoint: String,
    keys: Vec<Value>,
    fetched: Instant,
}

/// A sign-in on its way through the provider.
#[derive(Debug)]
struct Pending {
    verifier: String,
    nonce: String,
    started: Instant,
}

/// An OpenID Connect relying party.
#[derive(Debug)]
pub struct Oidc {
    config: OidcConfig,
    provider: Mutex<Option<Provider>>,
    pending: Mutex<HashMap<String, Pending>>,
}

fn denied(why: impl Into<String>) -> ConsoleError {
    ConsoleError::Denied(why.into())
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The PKCE challenge of `verifier` (S256).
pub fn challenge(verifier: &str) -> String {
    b64(&Sha256::digest(verifier.as_bytes()))
}

impl Oidc {
    /// A relying party for `config`.
    pub fn new(config: OidcConfig) -> Oidc {
        Oidc { config, provider: Mutex::new(None), pending: Mutex::default() }
    }

    /// The provider's host, for the sign-in button.
    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    /// Where to send someone to sign in, with a fresh `state`, `nonce` and PKCE challenge.
    ///
    /// # Errors
    /// The provider's discovery document cannot be read.
    pub fn start(&self, client: &Client, redirect_uri: &str) -> Result<String, ConsoleError> {
        let p = self.provider(client, false)?;
        let (state, nonce, verifier) = (super::store::token()?, super::store::token()?, super::store::token()?);
        let mut pending = self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        pending.retain(|_, v| v.started.elapsed() < PENDING_FOR);
        let url = format!(
            "{}{}response_type=code&client_id={}&redirect_uri={}&scope=openid%20email&state={}&nonce={}&code_challenge={}&code_challenge_method=S256",
            p.authorization_endpoint,
            if p.authorization_endpoint.contains('?') { '&' } else { '?' },
            url(&self.config.client_id),
            url(redirect_uri),
            url(&state),
            url(&nonce),
            challenge(&verifier),
        );
        pending.insert(state, Pending { verifier, nonce, started: Instant::now() });
        Ok(url)
    }

    /// Finishes a sign-in the provider sent back (`code` and `state`, or `error`): exchanges
    /// the code, checks the ID token, and returns the verified e-mail address.
    ///
    /// # Errors
    /// [`ConsoleError::Denied`] with the reason for anything that does not check out.
    pub fn finish(
        &self,
        client: &Client,
        redirect_uri: &str,
        code: Option<&str>,
        state: Option<&str>,
        error: Option<&str>,
    ) -> Result<String, ConsoleError> {
        let state = state.ok_or_else(|| denied("the provider's answer has no state"))?;
        let pending = self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(state);
        let pending = pending.ok_or_else(|| denied("unknown or used sign-in state (start again)"))?;
        if pending.started.elapsed() >= PENDING_FOR {
            return Err(denied("the sign-in took too long (start again)"));
        }
        if let Some(e) = error {
            return Err(denied(format!("the provider refused the sign-in: {e}")));
        }
        let code = code.ok_or_else(|| denied("the provider's answer has no code"))?;
        let p = self.provider(client, false)?;
        let secret = self.config.client_secret.as_ref().map(|s| s.0.as_str()).unwrap_or("");
        let form = format!(
            "grant_type=authorization_code&code={}&redirect_uri={}&code_verifier={}&client_id={}",
            url(code),
            url(redirect_uri),
            url(&pending.verifier),
            url(&self.config.client_id)
        );
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            url(&self.config.client_id),
            url(secret)
        ));
        let req = Request::builder()
            .method(Method::POST)
            .uri(&p.token_endpoint)
            .header(hyper::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(hyper::header::AUTHORIZATION, format!("Basic {basic}"))
            .header(hyper::header::ACCEPT, "application/json")
            .body(Full::new(Bytes::from(form)))
            .map_err(|e| ConsoleError::Store(format!("oidc: {e}")))?;
        let (status, body) = fetch(client, req)?;
        let tokens: Value =
            serde_json::from_slice(&body).map_err(|_| denied("the token endpoint's answer is not JSON"))?;
        if status != 200 {
            let e = tokens.get("error").and_then(Value::as_str).unwrap_or("unknown error");
            return Err(denied(format!("the token endpoint refused the code ({status}): {e}")));
        }
        let id_token = tokens.get("id_token").and_then(Value::as_str).ok_or_else(|| denied("no id_token"))?;
        let claims = match self.check(&p, id_token, &pending.nonce) {
            // A key the provider has rotated in since we last looked: fetch its keys once more.
            Err(ConsoleError::Denied(why)) if why.starts_with("unknown signing key") => {
                let p = self.provider(client, true)?;
                self.check(&p, id_token, &pending.nonce)?
            }
            other => other?,
        };
        if claims.get("email_verified").and_then(Value::as_bool) == Some(false) {
            return Err(denied("the provider has not verified this e-mail address"));
        }
        claims
            .get("email")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| denied("the ID token has no email claim (ask for the email scope)"))
    }

    /// The claims of `token` when its signature, issuer, audience, times and nonce check out.
    fn check(&self, p: &Provider, token: &str, nonce: &str) -> Result<Value, ConsoleError> {
        let claims = verify_jwt(token, &p.keys)?;
        if claims.get("iss").and_then(Value::as_str) != Some(self.config.issuer.trim_end_matches('/'))
            && claims.get("iss").and_then(Value::as_str) != Some(self.config.issuer.as_str())
        {
            return Err(denied("the ID token's issuer is not the configured one"));
        }
        let aud_ok = match claims.get("aud") {
            Some(Value::String(a)) => *a == self.config.client_id,
            Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(&self.config.client_id)),
            _ => false,
        };
        if !aud_ok {
            return Err(denied("the ID token is for another client"));
        }
        let now = crate::server::now_micros() / 1_000_000;
        let num = |k: &str| claims.get(k).and_then(Value::as_i64);
        if num("exp").is_none_or(|e| e + SKEW_SECS < now) {
            return Err(denied("the ID token has expired"));
        }
        if num("nbf").is_some_and(|n| n - SKEW_SECS > now) || num("iat").is_some_and(|i| i - SKEW_SECS > now) {
            return Err(denied("the ID token is not valid yet"));
        }
        if claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
            return Err(denied("the ID token's nonce does not match this sign-in"));
        }
        Ok(claims)
    }

    /// The provider's discovery document and keys (fetched again when older than an hour, or
    /// with `refresh`).
    fn provider(&self, client: &Client, refresh: bool) -> Result<Provider, ConsoleError> {
        if let Some(p) = self.provider.lock().unwrap_or_else(std::sync::PoisonError::into_inner).as_ref() {
            if !refresh && p.fetched.elapsed() < KEYS_FOR {
                return Ok(p.clone());
            }
        }
        let issuer = self.config.issuer.trim_end_matches('/');
        let get = |url: &str| -> Result<Value, ConsoleError> {
            let req = Request::builder()
                .uri(url)
                .header(hyper::header::ACCEPT, "application/json")
                .body(Full::new(Bytes::new()))
                .map_err(|e| ConsoleError::Store(format!("oidc: {url}: {e}")))?;
            let (status, body) = fetch(client, req)?;
            if status != 200 {
                return Err(ConsoleError::Store(format!("oidc: {url} answered {status}")));
            }
            serde_json::from_slice(&body).map_err(|e| ConsoleError::Store(format!("oidc: {url}: {e}")))
        };
        let meta = get(&format!("{issuer}/.well-known/openid-configuration"))?;
        let field = |k: &str| {
            meta.get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| ConsoleError::Store(format!("oidc: the discovery document has no {k}")))
        };
        if field("issuer")?.trim_end_matches('/') != issuer {
            return Err(ConsoleError::Store("oidc: the discovery document names another issuer".into()));
        }
        let jwks_uri = field("jwks_uri")?;
        let keys = get(&jwks_uri)?.get("keys").and_then(Value::as_array).cloned().unwrap_or_default();
        let p = Provider {
            authorization_endpoint: field("authorization_endpoint")?,
            token_endpoint: field("token_endpoint")?,
            keys,
            fetched: Instant::now(),
        };
        *self.provider.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(p.clone());
        Ok(p)
    }
}

/// One request to the provider, within 10 seconds, from a blocking thread.
fn fetch(client: &Client, req: Request<Full<Bytes>>) -> Result<(u16, Bytes), ConsoleError> {
    let what = req.uri().to_string();
    let fut = async {
        let resp = client.request(req).await.map_err(|e| format!("{e}"))?;
        let status = resp.status().as_u16();
        let body = http_body_util::Limited::new(resp.into_body(), 1 << 20)
            .collect()
            .await
            .map_err(|e| format!("{e}"))?
            .to_bytes();
        Ok::<_, String>((status, body))
    };
    let handle = tokio::runtime::Handle::current();
    handle
        .block_on(async { tokio::time::timeout(Duration::from_secs(10), fut).await })
        .map_err(|_| ConsoleError::Store(format!("oidc: {what}: no answer within 10 s")))?
        .map_err(|e| ConsoleError::Store(format!("oidc: {what}: {e}")))
}

/// The claims of a compact JWS signed with RS256 or ES256 by one of `keys` (a JWK set's
/// `keys`); any other algorithm, `none` included, is refused.
///
/// # Errors
/// [`ConsoleError::Denied`] naming what is wrong.
pub fn verify_jwt(token: &str, keys: &[Value]) -> Result<Value, ConsoleError> {
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(denied("the ID token is not a compact JWS"));
    };
    let decode =
        |p: &str| URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).map_err(|_| denied("the ID token is not base64url"));
    let header: Value = serde_json::from_slice(&decode(h)?).map_err(|_| denied("the ID token's header is not JSON"))?;
    let sig = decode(s)?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    let kid = header.get("kid").and_then(Value::as_str);
    let kty = match alg {
        "RS256" => "RSA",
        "ES256" => "EC",
        other => {
            return Err(denied(format!("the ID token is signed with {other:?}: only RS256 and ES256 are accepted")))
        }
    };
    let key = keys
        .iter()
        .filter(|k| k.get("kty").and_then(Value::as_str) == Some(kty))
        .filter(|k| k.get("use").and_then(Value::as_str).is_none_or(|u| u == "sig"))
        .find(|k| kid.is_none() || k.get("kid").and_then(Value::as_str) == kid)
        .ok_or_else(|| denied(format!("unknown signing key {kid:?}")))?;
    let field = |k: &str| {
        key.get(k)
            .and_then(Value::as_str)
            .map(decode)
            .transpose()?
            .ok_or_else(|| denied(format!("the signing key has no {k}")))
    };
    let signed = format!("{h}.{c}");
    let ok = match alg {
        "RS256" => ring::signature::RsaPublicKeyComponents { n: field("n")?, e: field("e")? }
            .verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, signed.as_bytes(), &sig)
            .is_ok(),
        _ => {
            if key.get("crv").and_then(Value::as_str) != Some("P-256") {
                return Err(denied("an ES256 key must be on P-256"));
            }
            let mut point = vec![4u8];
            point.extend(field("x")?);
            point.extend(field("y")?);
            ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(signed.as_bytes(), &sig)
                .is_ok()
        }
    };
    if !ok {
        return Err(denied("the ID token's signature does not verify"));
    }
    serde_json::from_slice(&decode(c)?).map_err(|_| denied("the ID token's claims are not JSON"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};

    fn es256(claims: &str) -> (String, Value) {
        let rng = SystemRandom::new();
        let pk8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pk8.as_ref(), &rng).unwrap();
        let public = pair.public_key().as_ref();
        let jwk = serde_json::json!({"kty": "EC", "crv": "P-256", "kid": "k1", "x": b64(&public[1..33]), "y": b64(&public[33..])});
        let signed = format!("{}.{}", b64(br#"{"alg":"ES256","kid":"k1"}"#), b64(claims.as_bytes()));
        let sig = pair.sign(&rng, signed.as_bytes()).unwrap();
        (format!("{signed}.{}", b64(sig.as_ref())), jwk)
    }

    #[test]
    fn es256_tokens_verify_and_tampering_does_not() {
        let (t, jwk) = es256(r#"{"sub":"1","email":"ana@example.com"}"#);
        let claims = verify_jwt(&t, std::slice::from_ref(&jwk)).unwrap();
        assert_eq!(claims["email"], "ana@example.com");
        // Another payload under the same signature.
        let mut parts: Vec<&str> = t.split('.').collect();
        let forged = b64(br#"{"sub":"1","email":"eve@example.com"}"#);
        parts[1] = &forged;
        assert!(verify_jwt(&parts.join("."), std::slice::from_ref(&jwk)).is_err());
        // `alg: none`, and a key that is not the signer's.
        let none = format!("{}.{}.", b64(br#"{"alg":"none"}"#), b64(br#"{"email":"eve@example.com"}"#));
        assert!(
            matches!(verify_jwt(&none, std::slice::from_ref(&jwk)), Err(ConsoleError::Denied(m)) if m.contains("only RS256 and ES256"))
        );
        let (_, other) = es256("{}");
        assert!(verify_jwt(&t, &[other]).is_err());
    }

    /// RFC 7515, appendix A.2: a JWS signed with RS256, and the RSA key that verifies it.
    #[test]
    fn rs256_per_rfc_7515_a2() {
        let token = concat!(
            "eyJhbGciOiJSUzI1NiJ9",
            ".",
            "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
            ".",
            "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"
        );
        let jwk = serde_json::json!({
            "kty": "RSA",
            "n": "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
            "e": "AQAB"
        });
        let claims = verify_jwt(token, std::slice::from_ref(&jwk)).unwrap();
        assert_eq!(claims["iss"], "joe");
        let tampered = token.replacen("eyJpc3MiOiJqb2Ui", "eyJpc3MiOiJqb2Yi", 1);
        assert!(verify_jwt(&tampered, &[jwk]).is_err());
    }

    #[test]
    fn pkce_challenge_per_rfc_7636_appendix_b() {
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
