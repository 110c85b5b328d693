//! API keys as records: a key's role, its record (never its secret), a newly issued key, and
//! the cache of verified keys the vault keeps.

use super::VaultError;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// How long a verified key's record is trusted before the store is asked again: a revocation
/// made by another process takes effect within this time (in this process, at once).
pub const KEY_CACHE_TTL: Duration = Duration::from_millis(500);

/// What a key lets its holder do in its tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Everything, including the tenant's other owners.
    Owner,
    /// Everything but owners.
    Admin,
    /// Use the gateway.
    Member,
}

impl Role {
    /// `"owner"`, `"admin"` or `"member"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    /// The role named `s`.
    pub fn parse(s: &str) -> Result<Role, VaultError> {
        match s {
            "owner" => Ok(Role::Owner),
            "admin" => Ok(Role::Admin),
            "member" => Ok(Role::Member),
            other => Err(VaultError::Invalid(format!("role {other:?}: owner, admin or member"))),
        }
    }
}

/// An API key's record (never its secret).
#[derive(Clone, Debug, PartialEq)]
pub struct ApiKey {
    /// The public id (part of the key, safe to log).
    pub id: String,
    /// The tenant it belongs to.
    pub tenant: String,
    /// The user it belongs to.
    pub user: String,
    /// The user's role through this key.
    pub role: Role,
    /// Milliseconds since the epoch after which the key is refused.
    pub expires_ms: Option<i64>,
    /// What the layers that use the key attach to it, by name (the gateway's `rate_limit` and
    /// `budget`, say). The vault stores them with the key and knows nothing of their meaning.
    pub attributes: BTreeMap<String, String>,
    /// When it was issued (milliseconds since the epoch).
    pub created_ms: i64,
    /// When it was revoked.
    pub revoked_ms: Option<i64>,
}

/// A newly issued key: its record and the full key, shown this once.
pub struct IssuedKey {
    /// The key's record.
    pub info: ApiKey,
    /// The whole key. It is not stored anywhere; hand it over and drop it.
    pub key: Zeroizing<String>,
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedKey").field("info", &self.info).field("key", &"..").finish()
    }
}

/// Verified keys, by id, with when they were read.
#[derive(Default)]
pub(crate) struct Cache {
    pub(crate) map: HashMap<String, (Instant, [u8; 32], ApiKey)>,
}

impl Cache {
    pub(crate) fn clear(&mut self) {
        self.map.clear();
    }
}
