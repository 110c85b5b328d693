//! Authentication and limits: the caller's API key, its tenant's policy, rate-limit refusals.

use super::record::Record;
use super::reply::{self, Body, Dialect};
use super::Gateway;
use crate::limits::keys::{Caller, KeyLimits};
use crate::limits::ratelimit::{self};
use dlpjet_policy::{Tenant, DEFAULT_TENANT};
use dlpjet_vault::VaultError;
use hyper::body::Incoming;
use hyper::header::AUTHORIZATION;
use hyper::{Request, Response, StatusCode};

impl Gateway {
    pub(super) fn authenticate(
        &self,
        req: &Request<Incoming>,
        dialect: Dialect,
        rec: &mut Record,
    ) -> Result<Caller, Response<Body>> {
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
                // A key whose own limits do not read is refused, not let through unlimited.
                match KeyLimits::of(&k) {
                    Ok(limits) => Ok(Caller { key: k, limits }),
                    Err(e) => {
                        eprintln!("dlpjet gateway: {e}");
                        Err(reply::error(
                            dialect,
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "api_error",
                            "key_misconfigured",
                            "this API key's limits are malformed; ask its administrator",
                        ))
                    }
                }
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
    pub(super) fn tenant(&self, name: &str) -> Tenant {
        let set = self.policy.load();
        // Every compiled policy has the default tenant (the `[default]` section, possibly empty).
        set.tenant(name).or_else(|_| set.tenant(DEFAULT_TENANT)).cloned().expect("a policy set has the default tenant")
    }

    /// The answer to a request the rate limits did not admit.
    pub(super) fn refused(&self, dialect: Dialect, r: ratelimit::Refused) -> Response<Body> {
        match r {
            ratelimit::Refused::Limited(l) => self.rate_limited(dialect, l),
            ratelimit::Refused::Unavailable(e) => reply::shared_unavailable(dialect, &e),
        }
    }

    /// A request refused by a rate limit.
    pub(super) fn rate_limited(&self, dialect: Dialect, l: ratelimit::Limited) -> Response<Body> {
        self.metrics.limited(l.scope.as_str());
        reply::too_many_requests(dialect, l)
    }
}
