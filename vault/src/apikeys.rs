//! API keys for callers: issued once as `dlpjet_live_<id>_<secret><checksum>`, stored as a
//! SHA-256 hash, verified in constant time, listed without secrets, revoked, rotated.

use super::db::{p, Row, Sql};
pub use super::keys::{ApiKey, IssuedKey, Role, KEY_CACHE_TTL};
use super::store::{now_ms, Vault};
use super::VaultError;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use dlpjet::validate::apikey::{dlpjet_key_valid, ID_LEN, PREFIX, SECRET_LEN};
const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn random_text(len: usize) -> Result<String, VaultError> {
    // Rejection sampling keeps every character equally likely.
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in super::crypto::random::<64>()? {
            if b < 248 && out.len() < len {
                out.push(ALPHABET[(b % 62) as usize] as char);
            }
        }
    }
    Ok(out)
}

/// The checksum of a key's body (`dlpjet_live_<id>_<secret>`): CRC-32 in six base-62 digits
/// (the built-in detector `dlpjet_api_key` checks the same).
pub fn checksum(body: &str) -> String {
    String::from_utf8_lossy(&dlpjet::validate::apikey::checksum(body.as_bytes())).into_owned()
}

/// Whether `key` has the form and checksum of a dlpjet API key (what a leak scanner checks).
pub fn looks_valid(key: &str) -> bool {
    parse(key).is_some()
}

/// The id of a well-formed key.
fn parse(key: &str) -> Option<&str> {
    dlpjet_key_valid(key.as_bytes()).then(|| &key[PREFIX.len()..PREFIX.len() + ID_LEN])
}

fn hash(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

fn row_to_key(r: &Row) -> Result<(ApiKey, Vec<u8>), VaultError> {
    Ok((
        ApiKey {
            id: r.text(0)?,
            tenant: r.text(1)?,
            user: r.text(2)?,
            role: Role::parse(&r.text(3)?).unwrap_or(Role::Member),
            expires_ms: r.opt_int(5)?,
            attributes: BTreeMap::new(),
            created_ms: r.int(6)?,
            revoked_ms: r.opt_int(7)?,
        },
        r.blob(4)?,
    ))
}

const COLUMNS: &str = "id, tenant, \"user\", role, hash, expires, created, revoked";

/// Longest attribute name and value, in bytes.
const MAX_ATTRIBUTE: usize = 256;

/// Checks the attributes given for a new key: names of ASCII letters, digits and `_`, names and
/// values of at most [`MAX_ATTRIBUTE`] bytes.
fn check_attributes(attributes: &BTreeMap<String, String>) -> Result<(), VaultError> {
    for (name, value) in attributes {
        if name.is_empty()
            || name.len() > MAX_ATTRIBUTE
            || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(VaultError::Invalid(format!(
                "attribute name {name:?}: 1 to {MAX_ATTRIBUTE} ASCII letters, digits or '_'"
            )));
        }
        if value.len() > MAX_ATTRIBUTE {
            return Err(VaultError::Invalid(format!("attribute {name}: value longer than {MAX_ATTRIBUTE} bytes")));
        }
    }
    Ok(())
}

/// The attributes of the keys whose records are in `keys`, filled in from the store.
fn attach_attributes(c: &mut dyn Sql, keys: &mut [ApiKey]) -> Result<(), VaultError> {
    for k in keys {
        for r in c.rows("SELECT name, value FROM api_key_attributes WHERE id = ?1 ORDER BY name", p![&k.id])? {
            k.attributes.insert(r.text(0)?, r.text(1)?);
        }
    }
    Ok(())
}

/// The checks of a key whose record is known: the hash (in constant time), revocation, expiry.
fn check(id: &str, stored: &[u8; 32], presented: &[u8; 32], info: ApiKey) -> Result<ApiKey, VaultError> {
    if !bool::from(stored.ct_eq(presented)) {
        return Err(VaultError::Denied("unknown or malformed API key".into()));
    }
    if info.revoked_ms.is_some() {
        return Err(VaultError::Revoked(format!("API key {id}")));
    }
    if info.expires_ms.is_some_and(|e| e <= now_ms()) {
        return Err(VaultError::Revoked(format!("API key {id} expired")));
    }
    Ok(info)
}

impl Vault {
    /// Issues a key for `user` of `tenant`. The full key is in the result, and nowhere else.
    pub fn issue_key(
        &self,
        tenant: &str,
        user: &str,
        role: Role,
        ttl: Option<Duration>,
        attributes: &BTreeMap<String, String>,
    ) -> Result<IssuedKey, VaultError> {
        if tenant.is_empty() || user.is_empty() {
            return Err(VaultError::Invalid("a key needs a tenant and a user".into()));
        }
        check_attributes(attributes)?;
        let id = random_text(ID_LEN)?;
        let body = Zeroizing::new(format!("{PREFIX}{id}_{}", random_text(SECRET_LEN)?));
        let key = Zeroizing::new(format!("{}{}", &*body, checksum(&body)));
        let now = now_ms();
        let info = ApiKey {
            id: id.clone(),
            tenant: tenant.into(),
            user: user.into(),
            role,
            expires_ms: ttl.map(|t| now + t.as_millis() as i64),
            attributes: attributes.clone(),
            created_ms: now,
            revoked_ms: None,
        };
        let hashed = hash(&key);
        self.write(|tx| {
            tx.exec(
                "INSERT INTO api_keys(id, tenant, \"user\", role, hash, expires, created) VALUES (?1,?2,?3,?4,?5,?6,?7)",
                p![&id, tenant, user, role.as_str(), &hashed[..], info.expires_ms, now],
            )?;
            for (name, value) in attributes {
                tx.exec("INSERT INTO api_key_attributes(id, name, value) VALUES (?1,?2,?3)", p![&id, name, value])?;
            }
            Ok(())
        })?;
        Ok(IssuedKey { info, key })
    }

    /// Checks a presented key: its form and checksum, then its hash (in constant time), then
    /// that it is neither revoked nor expired. Returns its record.
    pub fn verify_key(&self, key: &str) -> Result<ApiKey, VaultError> {
        let denied = || VaultError::Denied("unknown or malformed API key".into());
        let id = parse(key).ok_or_else(denied)?;
        let presented = hash(key);
        let cached = {
            let cache = self.keys.lock().unwrap_or_else(|p| p.into_inner());
            cache.map.get(id).filter(|(at, _, _)| at.elapsed() < KEY_CACHE_TTL).map(|(_, h, k)| (*h, k.clone()))
        };
        let (stored, info) = match cached {
            Some(c) => c,
            None => {
                let found = self.run(|c| {
                    let Some(row) = c.row(&format!("SELECT {COLUMNS} FROM api_keys WHERE id = ?1"), p![id])? else {
                        return Ok(None);
                    };
                    let (mut info, h) = row_to_key(&row)?;
                    attach_attributes(c, std::slice::from_mut(&mut info))?;
                    Ok(Some((info, h)))
                })?;
                let (info, h) = found.ok_or_else(denied)?;
                let h: [u8; 32] = h.try_into().map_err(|_| VaultError::Corrupt { what: format!("API key {id}") })?;
                self.keys
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .map
                    .insert(id.to_string(), (Instant::now(), h, info.clone()));
                (h, info)
            }
        };
        check(id, &stored, &presented, info)
    }

    /// [`Vault::verify_key`] from this process's memory only, without waiting on the store:
    /// `None` when the key's record is not kept (or no longer fresh) and the store must be
    /// asked.
    pub fn verify_key_cached(&self, key: &str) -> Option<Result<ApiKey, VaultError>> {
        let Some(id) = parse(key) else {
            return Some(Err(VaultError::Denied("unknown or malformed API key".into())));
        };
        let (stored, info) = {
            let cache = self.keys.lock().unwrap_or_else(|p| p.into_inner());
            cache.map.get(id).filter(|(at, _, _)| at.elapsed() < KEY_CACHE_TTL).map(|(_, h, k)| (*h, k.clone()))?
        };
        Some(check(id, &stored, &hash(key), info))
    }

    /// The keys of a tenant (of one user, when given), without secrets.
    pub fn list_keys(&self, tenant: &str, user: Option<&str>) -> Result<Vec<ApiKey>, VaultError> {
        self.run(|c| {
            let rows = c.rows(
                &format!(
                    "SELECT {COLUMNS} FROM api_keys WHERE tenant = ?1 AND (CAST(?2 AS TEXT) IS NULL OR \"user\" = ?2) ORDER BY created, id"
                ),
                p![tenant, user],
            )?;
            let mut keys = rows.iter().map(|r| row_to_key(r).map(|(k, _)| k)).collect::<Result<Vec<_>, _>>()?;
            attach_attributes(c, &mut keys)?;
            Ok(keys)
        })
    }

    /// Revokes key `id` of `tenant`; takes effect at once in this process.
    pub fn revoke_key(&self, tenant: &str, id: &str) -> Result<(), VaultError> {
        let n = self.run(|c| {
            c.exec(
                "UPDATE api_keys SET revoked = ?3 WHERE tenant = ?1 AND id = ?2 AND revoked IS NULL",
                p![tenant, id, now_ms()],
            )
        })?;
        self.keys.lock().unwrap_or_else(|p| p.into_inner()).map.remove(id);
        if n == 0 {
            return Err(VaultError::NotFound(format!("live API key {id} of tenant {tenant:?}")));
        }
        Ok(())
    }

    /// Issues a replacement for key `id` (same tenant, user, role, attributes and remaining
    /// lifetime) and revokes the old one.
    pub fn rotate_key(&self, tenant: &str, id: &str) -> Result<IssuedKey, VaultError> {
        let old = self
            .list_keys(tenant, None)?
            .into_iter()
            .find(|k| k.id == id && k.revoked_ms.is_none())
            .ok_or_else(|| VaultError::NotFound(format!("live API key {id} of tenant {tenant:?}")))?;
        let ttl = old.expires_ms.map(|e| Duration::from_millis((e - now_ms()).max(0) as u64));
        let new = self.issue_key(tenant, &old.user, old.role, ttl, &old.attributes)?;
        self.revoke_key(tenant, id)?;
        Ok(new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_recognise_keys() {
        let body = format!("{PREFIX}{}_{}", "A".repeat(ID_LEN), "b".repeat(SECRET_LEN));
        let key = format!("{body}{}", checksum(&body));
        assert!(looks_valid(&key));
        assert_eq!(parse(&key), Some("AAAAAAAAAAAA"));
        let mut bad = key.clone().into_bytes();
        bad[20] = if bad[20] == b'A' { b'B' } else { b'A' };
        assert!(!looks_valid(std::str::from_utf8(&bad).unwrap()));
        assert!(!looks_valid("dlpjet_live_short"));
    }
}
