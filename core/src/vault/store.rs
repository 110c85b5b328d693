//! The SQLite store: schema, secrets, leases, revocation and master key rotation.

use super::crypto::{open, seal, Kek, MasterKey, DEK_MAX_USES};
use super::VaultError;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use zeroize::Zeroizing;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deks(
    id INTEGER PRIMARY KEY, kek TEXT NOT NULL, nonce BLOB NOT NULL, wrapped BLOB NOT NULL,
    uses INTEGER NOT NULL DEFAULT 0, retired INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS secrets(
    tenant TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, owner TEXT NOT NULL,
    delivery TEXT NOT NULL, dek INTEGER NOT NULL REFERENCES deks(id), nonce BLOB NOT NULL,
    ct BLOB NOT NULL, created INTEGER NOT NULL, revoked INTEGER,
    PRIMARY KEY(tenant, id, version));
CREATE TABLE IF NOT EXISTS leases(
    id TEXT PRIMARY KEY, tenant TEXT NOT NULL, secret TEXT NOT NULL, version INTEGER NOT NULL,
    holder TEXT NOT NULL, expires INTEGER NOT NULL, revoked INTEGER);
CREATE TABLE IF NOT EXISTS api_keys(
    id TEXT PRIMARY KEY, tenant TEXT NOT NULL, user TEXT NOT NULL, role TEXT NOT NULL,
    hash BLOB NOT NULL, expires INTEGER, rate_limit INTEGER, budget REAL,
    created INTEGER NOT NULL, revoked INTEGER);
";

/// Who is asking: a tenant, and a user within it (or the tenant's own services).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accessor {
    /// The tenant.
    pub tenant: String,
    /// The user, or `None` for the tenant's services (the gateway, its AI capabilities).
    pub user: Option<String>,
}

impl Accessor {
    /// The tenant's services.
    pub fn tenant(t: impl Into<String>) -> Accessor {
        Accessor { tenant: t.into(), user: None }
    }

    /// A user of a tenant.
    pub fn user(t: impl Into<String>, u: impl Into<String>) -> Accessor {
        Accessor { tenant: t.into(), user: Some(u.into()) }
    }
}

/// Whose a secret is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The tenant's: shared by its AI capabilities.
    Tenant,
    /// One user's: their personal integration token.
    User(String),
}

/// How a secret may leave the vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Only used in place (the gateway calling a provider); never returned.
    Proxied,
    /// Released to a session through a lease with a time to live.
    Injected,
}

impl Delivery {
    fn as_str(self) -> &'static str {
        match self {
            Delivery::Proxied => "proxied",
            Delivery::Injected => "injected",
        }
    }
}

/// A secret's description, without its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretInfo {
    /// The tenant.
    pub tenant: String,
    /// The secret's id.
    pub id: String,
    /// The newest version.
    pub version: u32,
    /// Its scope.
    pub scope: Scope,
    /// Its delivery kind.
    pub delivery: Delivery,
    /// When that version was stored (seconds since the epoch).
    pub created: i64,
    /// When it was revoked, if it was.
    pub revoked: Option<i64>,
}

/// A release of an injected secret to a holder until it expires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The lease id (random; what the session presents).
    pub id: String,
    /// The tenant.
    pub tenant: String,
    /// The secret's id.
    pub secret: String,
    /// The secret's version it releases.
    pub version: u32,
    /// Who holds it.
    pub holder: String,
    /// When it ends (milliseconds since the epoch).
    pub expires_ms: i64,
}

/// What a master key rotation did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rotation {
    /// Data keys rewrapped by this call.
    pub rewrapped: usize,
    /// The key id in force after it.
    pub kek: String,
}

/// The vault: one SQLite file, opened with the master key (or, while rotating, the new and
/// the old one).
///
/// ```
/// use dlpjet::vault::{Accessor, Delivery, MasterKey, Scope, Vault};
/// let dir = tempfile::tempdir()?;
/// let vault = Vault::open(dir.path().join("vault.db"), &[MasterKey::generate()?])?;
/// vault.put("acme", "openai", Scope::Tenant, Delivery::Proxied, b"sk-live-example")?;
/// let n = vault.use_proxied(&Accessor::tenant("acme"), "openai", |key| key.len())?;
/// assert_eq!(n, 15);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Vault {
    conn: Mutex<Connection>,
    path: PathBuf,
    /// The keys given, the one to wrap with first.
    keks: Vec<Kek>,
    /// Unwrapped data keys by id.
    deks: Mutex<HashMap<i64, Zeroizing<[u8; 32]>>>,
    /// Encryptions per data key before a new one takes over.
    dek_limit: i64,
    pub(super) keys: Mutex<super::apikeys::Cache>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("path", &self.path).finish_non_exhaustive()
    }
}

pub(super) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as i64
}

fn random_id() -> Result<String, VaultError> {
    Ok(super::crypto::random::<16>()?.iter().map(|b| format!("{b:02x}")).collect())
}

/// A stored secret: version, owner, delivery, data key id, nonce, ciphertext, revoked.
type SecretRow = (u32, String, String, i64, Vec<u8>, Vec<u8>, Option<i64>);

fn secret_aad(tenant: &str, id: &str, version: u32, owner: &str, delivery: &str) -> Vec<u8> {
    format!("dlpjet secret v1\0{tenant}\0{id}\0{version}\0{owner}\0{delivery}").into_bytes()
}

fn dek_aad(kek: &str) -> Vec<u8> {
    format!("dlpjet data key v1\0{kek}").into_bytes()
}

impl Vault {
    /// Opens (or creates) the vault at `path`. `keys` are master keys, the new one first while
    /// a rotation is under way (see [`Vault::rotate`]); a new vault takes the first.
    pub fn open(path: impl AsRef<Path>, keys: &[MasterKey]) -> Result<Vault, VaultError> {
        let path = path.as_ref().to_path_buf();
        if keys.is_empty() {
            return Err(VaultError::MasterKey("no master key given".into()));
        }
        let conn = Connection::open(&path).map_err(|e| store_error(&path, &e))?;
        let v = Vault {
            conn: Mutex::new(conn),
            path,
            keks: keys.iter().map(MasterKey::kek).collect(),
            deks: Mutex::new(HashMap::new()),
            dek_limit: DEK_MAX_USES,
            keys: Mutex::new(super::apikeys::Cache::default()),
        };
        {
            let c = v.conn();
            c.busy_timeout(Duration::from_secs(2)).map_err(|e| v.err(&e))?;
            c.execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON;",
            )
            .map_err(|e| v.err(&e))?;
            c.execute_batch(SCHEMA).map_err(|e| v.err(&e))?;
            let stored: Option<String> =
                c.query_row("SELECT v FROM meta WHERE k='kek'", [], |r| r.get(0)).optional().map_err(|e| v.err(&e))?;
            match stored {
                None => {
                    c.execute("INSERT INTO meta(k, v) VALUES ('kek', ?1), ('schema', '1')", params![v.keks[0].id])
                        .map_err(|e| v.err(&e))?;
                }
                Some(id) if v.keks.iter().any(|k| k.id == id) => {}
                Some(id) => {
                    let next: Option<String> = c
                        .query_row("SELECT v FROM meta WHERE k='kek_next'", [], |r| r.get(0))
                        .optional()
                        .map_err(|e| v.err(&e))?;
                    if next.is_some_and(|n| v.keks.iter().any(|k| k.id == n)) {
                        // Mid-rotation with only the new key: the data keys it has not reached
                        // yet would fail; say so now.
                        return Err(VaultError::Rotation(format!(
                            "a rotation from key {id} is unfinished: open with the new and the old master key and run rotate"
                        )));
                    }
                    return Err(VaultError::WrongMasterKey { expected: id, given: v.keks[0].id.clone() });
                }
            }
        }
        Ok(v)
    }

    /// Starts a new data key after `uses` encryptions instead of [`DEK_MAX_USES`] (at most
    /// that): smaller blast radius per data key, more keys to rewrap on rotation.
    pub fn with_dek_limit(mut self, uses: u32) -> Vault {
        self.dek_limit = i64::from(uses.max(1)).min(DEK_MAX_USES);
        self
    }

    pub(super) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn err(&self, e: &rusqlite::Error) -> VaultError {
        store_error(&self.path, e)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores a new version of secret `id` of `tenant` and returns its version number.
    pub fn put(
        &self,
        tenant: &str,
        id: &str,
        scope: Scope,
        delivery: Delivery,
        value: &[u8],
    ) -> Result<u32, VaultError> {
        if tenant.is_empty() || id.is_empty() {
            return Err(VaultError::Invalid("a secret needs a tenant and an id".into()));
        }
        let owner = match &scope {
            Scope::Tenant => "",
            Scope::User(u) if u.is_empty() => return Err(VaultError::Invalid("a user scope needs a user".into())),
            Scope::User(u) => u.as_str(),
        };
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.err(&e))?;
        let version: u32 = tx
            .query_row(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM secrets WHERE tenant=?1 AND id=?2",
                params![tenant, id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(&e))?;
        let (dek_id, dek) = self.current_dek(&tx)?;
        let (nonce, ct) = seal(&dek, value, &secret_aad(tenant, id, version, owner, delivery.as_str()))?;
        tx.execute(
            "INSERT INTO secrets(tenant, id, version, owner, delivery, dek, nonce, ct, created) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
            params![tenant, id, version, owner, delivery.as_str(), dek_id, &nonce[..], ct, now_ms() / 1000],
        )
        .map_err(|e| self.err(&e))?;
        tx.execute("UPDATE deks SET uses = uses + 1 WHERE id = ?1", params![dek_id]).map_err(|e| self.err(&e))?;
        tx.commit().map_err(|e| self.err(&e))?;
        Ok(version)
    }

    /// The data key to encrypt with: the newest one with uses left, or a new one.
    fn current_dek(&self, tx: &rusqlite::Transaction<'_>) -> Result<(i64, Zeroizing<[u8; 32]>), VaultError> {
        let kek = &self.keks[0];
        let row: Option<i64> = tx
            .query_row(
                "SELECT id FROM deks WHERE retired = 0 AND kek = ?1 AND uses < ?2 ORDER BY id DESC LIMIT 1",
                params![kek.id, self.dek_limit],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(&e))?;
        if let Some(id) = row {
            return Ok((id, self.dek(tx, id)?));
        }
        tx.execute("UPDATE deks SET retired = 1 WHERE uses >= ?1", params![self.dek_limit])
            .map_err(|e| self.err(&e))?;
        let key = Zeroizing::new(super::crypto::random::<32>()?);
        let (nonce, wrapped) = seal(kek.key(), &key[..], &dek_aad(&kek.id))?;
        tx.execute("INSERT INTO deks(kek, nonce, wrapped) VALUES (?1, ?2, ?3)", params![kek.id, &nonce[..], wrapped])
            .map_err(|e| self.err(&e))?;
        let id = tx.last_insert_rowid();
        self.deks.lock().unwrap_or_else(|p| p.into_inner()).insert(id, key.clone());
        Ok((id, key))
    }

    /// Data key `id`, unwrapped (cached).
    fn dek(&self, c: &Connection, id: i64) -> Result<Zeroizing<[u8; 32]>, VaultError> {
        if let Some(k) = self.deks.lock().unwrap_or_else(|p| p.into_inner()).get(&id) {
            return Ok(k.clone());
        }
        let (kek_id, nonce, wrapped): (String, Vec<u8>, Vec<u8>) = c
            .query_row("SELECT kek, nonce, wrapped FROM deks WHERE id = ?1", params![id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(|e| self.err(&e))?;
        let kek = self.keks.iter().find(|k| k.id == kek_id).ok_or_else(|| {
            VaultError::Rotation(format!("data key {id} is wrapped by key {kek_id}, which was not given"))
        })?;
        let plain = open(kek.key(), &nonce, &wrapped, &dek_aad(&kek_id))
            .ok_or_else(|| VaultError::Corrupt { what: format!("data key {id}") })?;
        let key: [u8; 32] =
            plain[..].try_into().map_err(|_| VaultError::Corrupt { what: format!("data key {id} (length)") })?;
        let key = Zeroizing::new(key);
        self.deks.lock().unwrap_or_else(|p| p.into_inner()).insert(id, key.clone());
        Ok(key)
    }

    /// The newest version of a secret `who` may use, decrypted, with its delivery kind.
    fn read(
        &self,
        c: &Connection,
        who: &Accessor,
        id: &str,
        version: Option<u32>,
    ) -> Result<(Zeroizing<Vec<u8>>, Delivery, u32), VaultError> {
        let not_found = || VaultError::NotFound(format!("secret {id:?} of tenant {:?}", who.tenant));
        // Cached: the gateway reads a provider key on every request.
        let row: Option<SecretRow> = c
            .prepare_cached(
                "SELECT version, owner, delivery, dek, nonce, ct, revoked FROM secrets
                 WHERE tenant = ?1 AND id = ?2 AND (?3 IS NULL OR version = ?3) ORDER BY version DESC LIMIT 1",
            )
            .and_then(|mut st| {
                st.query_row(params![who.tenant, id, version], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
                })
            })
            .optional()
            .map_err(|e| self.err(&e))?;
        let (version, owner, delivery, dek_id, nonce, ct, revoked) = row.ok_or_else(not_found)?;
        // Another user's secret does not exist as far as this caller can tell.
        if !owner.is_empty() && who.user.as_deref() != Some(owner.as_str()) {
            return Err(not_found());
        }
        if revoked.is_some() {
            return Err(VaultError::Revoked(format!("secret {id:?} of tenant {:?}", who.tenant)));
        }
        let dek = self.dek(c, dek_id)?;
        let plain =
            open(&dek, &nonce, &ct, &secret_aad(&who.tenant, id, version, &owner, &delivery)).ok_or_else(|| {
                VaultError::Corrupt { what: format!("secret {id:?} version {version} of tenant {:?}", who.tenant) }
            })?;
        let delivery = if delivery == "proxied" { Delivery::Proxied } else { Delivery::Injected };
        Ok((plain, delivery, version))
    }

    /// Lends the plaintext of proxied secret `id` to `f` (the call to a provider) and wipes it
    /// afterwards. Injected secrets go through [`Vault::lease`] instead.
    pub fn use_proxied<R>(&self, who: &Accessor, id: &str, f: impl FnOnce(&[u8]) -> R) -> Result<R, VaultError> {
        let (plain, delivery, _) = self.read(&self.conn(), who, id, None)?;
        if delivery != Delivery::Proxied {
            return Err(VaultError::Denied(format!("secret {id:?} is injected: lease it")));
        }
        Ok(f(&plain))
    }

    /// Releases injected secret `id` to `holder` for `ttl`.
    pub fn lease(&self, who: &Accessor, id: &str, holder: &str, ttl: Duration) -> Result<Lease, VaultError> {
        let c = self.conn();
        let (_, delivery, version) = self.read(&c, who, id, None)?;
        if delivery != Delivery::Injected {
            return Err(VaultError::Denied(format!("secret {id:?} is proxied: it is never released")));
        }
        let lease = Lease {
            id: random_id()?,
            tenant: who.tenant.clone(),
            secret: id.to_string(),
            version,
            holder: holder.to_string(),
            expires_ms: now_ms() + ttl.as_millis() as i64,
        };
        c.execute(
            "INSERT INTO leases(id, tenant, secret, version, holder, expires) VALUES (?1,?2,?3,?4,?5,?6)",
            params![lease.id, lease.tenant, lease.secret, lease.version, lease.holder, lease.expires_ms],
        )
        .map_err(|e| self.err(&e))?;
        Ok(lease)
    }

    /// The value a lease releases, while the lease and the secret are live.
    pub fn read_lease(&self, lease_id: &str) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let c = self.conn();
        let row: Option<(String, String, u32, String, i64, Option<i64>)> = c
            .query_row(
                "SELECT tenant, secret, version, holder, expires, revoked FROM leases WHERE id = ?1",
                params![lease_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()
            .map_err(|e| self.err(&e))?;
        let (tenant, secret, version, holder, expires, revoked) =
            row.ok_or_else(|| VaultError::NotFound("no such lease".into()))?;
        if revoked.is_some() || expires <= now_ms() {
            return Err(VaultError::Revoked(format!("lease of secret {secret:?} held by {holder:?}")));
        }
        // The holder reads as the secret's owner would: the lease was granted to them.
        let owner: String = c
            .query_row(
                "SELECT owner FROM secrets WHERE tenant=?1 AND id=?2 AND version=?3",
                params![tenant, secret, version],
                |r| r.get(0),
            )
            .map_err(|e| self.err(&e))?;
        let who = Accessor { tenant, user: (!owner.is_empty()).then_some(owner) };
        Ok(self.read(&c, &who, &secret, Some(version))?.0)
    }

    /// The secrets of `who`'s tenant that `who` may see (tenant-wide ones, and the user's own),
    /// newest version each, without values.
    pub fn list(&self, who: &Accessor) -> Result<Vec<SecretInfo>, VaultError> {
        let c = self.conn();
        let mut st = c
            .prepare(
                "SELECT id, MAX(version), owner, delivery, created, revoked FROM secrets WHERE tenant = ?1
                 AND (owner = '' OR owner = ?2) GROUP BY id ORDER BY id",
            )
            .map_err(|e| self.err(&e))?;
        let rows = st
            .query_map(params![who.tenant, who.user.as_deref().unwrap_or("")], |r| {
                let owner: String = r.get(2)?;
                let delivery: String = r.get(3)?;
                Ok(SecretInfo {
                    tenant: who.tenant.clone(),
                    id: r.get(0)?,
                    version: r.get(1)?,
                    scope: if owner.is_empty() { Scope::Tenant } else { Scope::User(owner) },
                    delivery: if delivery == "proxied" { Delivery::Proxied } else { Delivery::Injected },
                    created: r.get(4)?,
                    revoked: r.get(5)?,
                })
            })
            .map_err(|e| self.err(&e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(&e))
    }

    /// Revokes every version of secret `id` of `tenant` and every lease of it. Returns how many
    /// versions were live.
    pub fn revoke_secret(&self, tenant: &str, id: &str) -> Result<usize, VaultError> {
        let now = now_ms();
        let c = self.conn();
        let n = c
            .execute(
                "UPDATE secrets SET revoked = ?3 WHERE tenant = ?1 AND id = ?2 AND revoked IS NULL",
                params![tenant, id, now / 1000],
            )
            .map_err(|e| self.err(&e))?;
        c.execute(
            "UPDATE leases SET revoked = ?3 WHERE tenant = ?1 AND secret = ?2 AND revoked IS NULL",
            params![tenant, id, now],
        )
        .map_err(|e| self.err(&e))?;
        Ok(n)
    }

    /// Revokes one lease.
    pub fn revoke_lease(&self, lease_id: &str) -> Result<bool, VaultError> {
        let n = self
            .conn()
            .execute("UPDATE leases SET revoked = ?2 WHERE id = ?1 AND revoked IS NULL", params![lease_id, now_ms()])
            .map_err(|e| self.err(&e))?;
        Ok(n > 0)
    }

    /// Revokes everything of one user of a tenant (their secrets, the leases they hold, their
    /// API keys), or with `user` `None` everything of the tenant. One transaction.
    pub fn revoke_all(&self, tenant: &str, user: Option<&str>) -> Result<(), VaultError> {
        let now = now_ms();
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.err(&e))?;
        let e = |e: rusqlite::Error| self.err(&e);
        match user {
            Some(u) => {
                tx.execute(
                    "UPDATE secrets SET revoked = ?3 WHERE tenant=?1 AND owner=?2 AND revoked IS NULL",
                    params![tenant, u, now / 1000],
                )
                .map_err(e)?;
                tx.execute(
                    "UPDATE leases SET revoked = ?3 WHERE tenant=?1 AND holder=?2 AND revoked IS NULL",
                    params![tenant, u, now],
                )
                .map_err(e)?;
                tx.execute(
                    "UPDATE api_keys SET revoked = ?3 WHERE tenant=?1 AND user=?2 AND revoked IS NULL",
                    params![tenant, u, now],
                )
                .map_err(e)?;
            }
            None => {
                tx.execute(
                    "UPDATE secrets SET revoked = ?2 WHERE tenant=?1 AND revoked IS NULL",
                    params![tenant, now / 1000],
                )
                .map_err(e)?;
                tx.execute("UPDATE leases SET revoked = ?2 WHERE tenant=?1 AND revoked IS NULL", params![tenant, now])
                    .map_err(e)?;
                tx.execute(
                    "UPDATE api_keys SET revoked = ?2 WHERE tenant=?1 AND revoked IS NULL",
                    params![tenant, now],
                )
                .map_err(e)?;
            }
        }
        tx.commit().map_err(e)?;
        self.keys.lock().unwrap_or_else(|p| p.into_inner()).clear();
        Ok(())
    }

    /// Rotates to the first master key given at [`Vault::open`]: records the rotation, rewraps
    /// every data key (one transaction each), then makes the new key the vault's. Readers that
    /// hold both keys keep working throughout; a crash at any step leaves every secret
    /// readable with both keys, and running `rotate` again finishes the job. Afterwards the
    /// old key is no longer needed (nor accepted).
    pub fn rotate(&self) -> Result<Rotation, VaultError> {
        let new = &self.keks[0];
        let mut report = Rotation { rewrapped: 0, kek: new.id.clone() };
        {
            let c = self.conn();
            c.execute(
                "INSERT INTO meta(k, v) VALUES ('kek_next', ?1) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
                params![new.id],
            )
            .map_err(|e| self.err(&e))?;
        }
        loop {
            let mut c = self.conn();
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.err(&e))?;
            let next: Option<i64> = tx
                .query_row("SELECT id FROM deks WHERE kek != ?1 ORDER BY id LIMIT 1", params![new.id], |r| r.get(0))
                .optional()
                .map_err(|e| self.err(&e))?;
            let Some(id) = next else { break };
            let key = self.dek(&tx, id)?;
            let (nonce, wrapped) = seal(new.key(), &key[..], &dek_aad(&new.id))?;
            tx.execute(
                "UPDATE deks SET kek = ?2, nonce = ?3, wrapped = ?4 WHERE id = ?1",
                params![id, new.id, &nonce[..], wrapped],
            )
            .map_err(|e| self.err(&e))?;
            tx.commit().map_err(|e| self.err(&e))?;
            report.rewrapped += 1;
        }
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.err(&e))?;
        tx.execute("UPDATE meta SET v = ?1 WHERE k = 'kek'", params![new.id]).map_err(|e| self.err(&e))?;
        tx.execute("DELETE FROM meta WHERE k = 'kek_next'", []).map_err(|e| self.err(&e))?;
        tx.commit().map_err(|e| self.err(&e))?;
        Ok(report)
    }
}

fn store_error(path: &Path, e: &rusqlite::Error) -> VaultError {
    use rusqlite::ErrorCode::*;
    let hint = match e.sqlite_error_code() {
        Some(DatabaseBusy | DatabaseLocked) => " (the database is locked by another process; try again)",
        Some(NotADatabase) => " (not a vault: the file is not an SQLite database, or it is damaged)",
        Some(DatabaseCorrupt) => " (the database is damaged or truncated)",
        Some(CannotOpen) => " (the file cannot be opened)",
        Some(ReadOnly) => " (the file is read-only)",
        Some(DiskFull) => " (the disk is full)",
        _ => "",
    };
    VaultError::Store { path: path.display().to_string(), message: format!("{e}{hint}") }
}
