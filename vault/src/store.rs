//! The vault's records: secrets, leases, revocation and master key rotation, in either store
//! (see [`super::db`]).

use super::crypto::{open, seal, Kek, MasterKey, DEK_MAX_USES};
use super::db::{p, Db, Location, Row, Sql};
use super::VaultError;
use super::KEY_CACHE_TTL;
use std::collections::HashMap;
#[cfg(feature = "sqlite")]
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use zeroize::Zeroizing;

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
    /// `"proxied"` or `"injected"`.
    pub fn as_str(self) -> &'static str {
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

/// The vault: one SQLite file (or, with feature `postgres`, a PostgreSQL database that
/// several processes share), opened with the master key (or, while rotating, the new and the
/// old one).
///
/// ```
/// use dlpjet_vault::{Accessor, Delivery, MasterKey, Scope, Vault};
/// let dir = tempfile::tempdir()?;
/// let vault = Vault::open(dir.path().join("vault.db"), &[MasterKey::generate()?])?;
/// vault.put("acme", "openai", Scope::Tenant, Delivery::Proxied, b"sk-live-example")?;
/// let n = vault.use_proxied(&Accessor::tenant("acme"), "openai", |key| key.len())?;
/// assert_eq!(n, 15);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Vault {
    db: Mutex<Db>,
    at: Location,
    /// The keys given, the one to wrap with first.
    keks: Vec<Kek>,
    /// Unwrapped data keys by id.
    deks: Mutex<HashMap<i64, Zeroizing<[u8; 32]>>>,
    /// Encryptions per data key before a new one takes over.
    dek_limit: i64,
    pub(super) keys: Mutex<super::keys::Cache>,
    /// Whether the store is a server (PostgreSQL).
    remote: bool,
    /// PostgreSQL only: the newest (sealed) row of secrets read lately, by tenant and id, kept
    /// for [`KEY_CACHE_TTL`] (see [`Vault::use_proxied_cached`]).
    rows: Mutex<HashMap<(String, String), (Instant, Row)>>,
}

/// Secret rows kept at most (expired ones are dropped when it is reached).
const ROW_CACHE_MAX: usize = 10_000;

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("store", &self.at.0).finish_non_exhaustive()
    }
}

pub(super) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as i64
}

fn random_id() -> Result<String, VaultError> {
    Ok(super::crypto::random::<16>()?.iter().map(|b| format!("{b:02x}")).collect())
}

fn secret_aad(tenant: &str, id: &str, version: u32, owner: &str, delivery: &str) -> Vec<u8> {
    format!("dlpjet secret v1\0{tenant}\0{id}\0{version}\0{owner}\0{delivery}").into_bytes()
}

fn dek_aad(kek: &str) -> Vec<u8> {
    format!("dlpjet data key v1\0{kek}").into_bytes()
}

impl Vault {
    /// Opens (or creates) the vault at `path` (an SQLite file; feature `sqlite`, on by
    /// default). `keys` are master keys, the new one first while a rotation is under way (see
    /// [`Vault::rotate`]); a new vault takes the first.
    #[cfg(feature = "sqlite")]
    pub fn open(path: impl AsRef<Path>, keys: &[MasterKey]) -> Result<Vault, VaultError> {
        Vault::open_sqlite(path.as_ref(), keys, crate::db::Create::IfMissing)
    }

    /// Creates a new vault at `path` (an SQLite file, made 0600) under `keys[0]`; a file
    /// already there is an error.
    #[cfg(feature = "sqlite")]
    pub fn create(path: impl AsRef<Path>, keys: &[MasterKey]) -> Result<Vault, VaultError> {
        Vault::open_sqlite(path.as_ref(), keys, crate::db::Create::New)
    }

    /// Opens the vault at `path` only if it is there: a mistyped path is an error, not a new
    /// empty vault (what the CLI and the gateway use).
    #[cfg(feature = "sqlite")]
    pub fn open_existing(path: impl AsRef<Path>, keys: &[MasterKey]) -> Result<Vault, VaultError> {
        Vault::open_sqlite(path.as_ref(), keys, crate::db::Create::Never)
    }

    #[cfg(feature = "sqlite")]
    fn open_sqlite(path: &Path, keys: &[MasterKey], mode: crate::db::Create) -> Result<Vault, VaultError> {
        if keys.is_empty() {
            return Err(VaultError::MasterKey("no master key given".into()));
        }
        let (db, at) = Db::open_sqlite(path, mode)?;
        Vault::with_store(db, at, keys)
    }

    /// Opens (or creates, tables and all) the vault in a PostgreSQL database, for several
    /// gateway instances to share. `conninfo` is a `postgresql://user@host:port/db` URL or a
    /// `host=… user=… dbname=…` string; without a password in it, `PGPASSWORD` is used.
    /// The connection is not encrypted: keep the database on a private network (it only
    /// ever holds sealed secrets, wrapped data keys and key hashes).
    ///
    /// The database sees the same rows SQLite would; writers are serialised by an advisory
    /// lock. [`Vault::use_proxied`] always asks the database, so a revoked secret is refused
    /// at once; [`Vault::use_proxied_cached`] and API-key checks answer from what this process
    /// read within [`KEY_CACHE_TTL`].
    #[cfg(feature = "postgres")]
    pub fn open_postgres(conninfo: &str, keys: &[MasterKey]) -> Result<Vault, VaultError> {
        if keys.is_empty() {
            return Err(VaultError::MasterKey("no master key given".into()));
        }
        let (db, at) = Db::open_postgres(conninfo)?;
        Vault::with_store(db, at, keys)
    }

    /// Opens `location`: a PostgreSQL URL (`postgres://…`, `postgresql://…`) with feature
    /// `vault-postgres`, otherwise an SQLite file, which must exist ([`Vault::open_existing`]).
    pub fn open_at(location: &str, keys: &[MasterKey]) -> Result<Vault, VaultError> {
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            return Vault::open_postgres(location, keys);
            #[cfg(not(feature = "postgres"))]
            return Err(VaultError::Invalid(
                "a PostgreSQL vault needs dlpjet-vault built with the postgres feature".into(),
            ));
        }
        #[cfg(feature = "sqlite")]
        return Vault::open_existing(location, keys);
        #[cfg(not(feature = "sqlite"))]
        return Err(VaultError::Invalid(format!(
            "{location}: an SQLite vault needs dlpjet-vault built with the sqlite feature"
        )));
    }

    fn with_store(db: Db, at: Location, keys: &[MasterKey]) -> Result<Vault, VaultError> {
        let remote = db.is_remote();
        let v = Vault {
            remote,
            rows: Mutex::new(HashMap::new()),
            db: Mutex::new(db),
            at,
            keks: keys.iter().map(MasterKey::kek).collect(),
            deks: Mutex::new(HashMap::new()),
            dek_limit: DEK_MAX_USES,
            keys: Mutex::new(super::keys::Cache::default()),
        };
        let first = v.keks[0].id.clone();
        let ids: Vec<String> = v.keks.iter().map(|k| k.id.clone()).collect();
        let kek = |c: &mut dyn Sql| c.row("SELECT v FROM meta WHERE k='kek'", &[])?.map(|r| r.text(0)).transpose();
        let mut stored = v.run(kek)?;
        if stored.is_none() {
            // A new vault takes the first key; another process may be creating it right now.
            stored = v.write(|tx| {
                let stored = kek(tx)?;
                if stored.is_none() {
                    tx.exec("INSERT INTO meta(k, v) VALUES ('kek', ?1), ('schema', '1')", p![&first])?;
                }
                Ok(stored)
            })?;
        }
        v.migrate_key_limits()?;
        match stored {
            None => {}
            Some(id) if ids.contains(&id) => {}
            Some(id) => {
                let next =
                    v.run(|c| c.row("SELECT v FROM meta WHERE k='kek_next'", &[])?.map(|r| r.text(0)).transpose())?;
                if next.is_some_and(|n| ids.contains(&n)) {
                    // Mid-rotation with only the new key: the data keys it has not reached
                    // yet would fail; say so now.
                    return Err(VaultError::Rotation(format!(
                        "a rotation from key {id} is unfinished: open with the new and the old master key and run rotate"
                    )));
                }
                return Err(VaultError::WrongMasterKey { expected: id, given: first });
            }
        }
        Ok(v)
    }

    /// Vaults made before API keys had attributes kept two of them as columns of their own
    /// (`rate_limit`, `budget`): they become attributes of those names, once, and the columns
    /// stay empty. A vault with nothing to move costs one read.
    fn migrate_key_limits(&self) -> Result<(), VaultError> {
        const PENDING: &str = "SELECT 1 FROM api_keys WHERE rate_limit IS NOT NULL OR budget IS NOT NULL LIMIT 1";
        if self.run(|c| c.row(PENDING, &[]))?.is_none() {
            return Ok(());
        }
        self.write(|tx| {
            tx.exec(
                "INSERT INTO api_key_attributes(id, name, value) \
                 SELECT id, 'rate_limit', CAST(rate_limit AS TEXT) FROM api_keys WHERE rate_limit IS NOT NULL",
                &[],
            )?;
            tx.exec(
                "INSERT INTO api_key_attributes(id, name, value) \
                 SELECT id, 'budget', CAST(budget AS TEXT) FROM api_keys WHERE budget IS NOT NULL",
                &[],
            )?;
            tx.exec("UPDATE api_keys SET rate_limit = NULL, budget = NULL WHERE rate_limit IS NOT NULL OR budget IS NOT NULL", &[])?;
            Ok(())
        })
    }

    /// Starts a new data key after `uses` encryptions instead of [`DEK_MAX_USES`] (at most
    /// that): smaller blast radius per data key, more keys to rewrap on rotation.
    pub fn with_dek_limit(mut self, uses: u32) -> Vault {
        self.dek_limit = i64::from(uses.max(1)).min(DEK_MAX_USES);
        self
    }

    fn db(&self) -> MutexGuard<'_, Db> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs statements outside a transaction.
    pub(super) fn run<R>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<R, VaultError>) -> Result<R, VaultError> {
        self.db().run(&self.at, f)
    }

    /// Runs statements in a write transaction (no other writer in between).
    pub(super) fn write<R>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<R, VaultError>) -> Result<R, VaultError> {
        self.db().write(&self.at, f)
    }

    /// Where the vault is: the SQLite file, or `postgres://user@host:port/db` (never with a
    /// password).
    pub fn location(&self) -> &str {
        &self.at.0
    }

    /// Whether the store is a database server (PostgreSQL) rather than a local file: its
    /// calls wait on the network, so async callers should treat them as blocking.
    pub fn is_remote(&self) -> bool {
        self.remote
    }

    /// Forgets the kept rows of secret `id` of `tenant` (all secrets when `None`): a change
    /// made here holds here at once.
    pub(super) fn forget_rows(&self, tenant: &str, id: Option<&str>) {
        let mut rows = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        rows.retain(|(t, i), _| t != tenant || id.is_some_and(|id| id != i));
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
        self.write(|tx| {
            let version = tx
                .row("SELECT COALESCE(MAX(version), 0) + 1 FROM secrets WHERE tenant=?1 AND id=?2", p![tenant, id])?
                .ok_or_else(|| VaultError::Corrupt { what: "secret versions".into() })?
                .u32(0)?;
            let (dek_id, dek) = self.current_dek(tx)?;
            let (nonce, ct) = seal(&dek, value, &secret_aad(tenant, id, version, owner, delivery.as_str()))?;
            tx.exec(
                "INSERT INTO secrets(tenant, id, version, owner, delivery, dek, nonce, ct, created) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
                p![tenant, id, version, owner, delivery.as_str(), dek_id, &nonce[..], &ct, now_ms() / 1000],
            )?;
            tx.exec("UPDATE deks SET uses = uses + 1 WHERE id = ?1", p![dek_id])?;
            Ok(version)
        })
        .inspect(|_| self.forget_rows(tenant, Some(id)))
    }

    /// The data key to encrypt with: the newest one with uses left, or a new one.
    fn current_dek(&self, tx: &mut dyn Sql) -> Result<(i64, Zeroizing<[u8; 32]>), VaultError> {
        let kek = &self.keks[0];
        let row = tx.row(
            "SELECT id FROM deks WHERE retired = 0 AND kek = ?1 AND uses < ?2 ORDER BY id DESC LIMIT 1",
            p![&kek.id, self.dek_limit],
        )?;
        if let Some(r) = row {
            let id = r.int(0)?;
            return Ok((id, self.dek(tx, id)?));
        }
        tx.exec("UPDATE deks SET retired = 1 WHERE uses >= ?1", p![self.dek_limit])?;
        let key = Zeroizing::new(super::crypto::random::<32>()?);
        let (nonce, wrapped) = seal(kek.key(), &key[..], &dek_aad(&kek.id))?;
        let id = tx
            .row(
                "INSERT INTO deks(kek, nonce, wrapped) VALUES (?1, ?2, ?3) RETURNING id",
                p![&kek.id, &nonce[..], &wrapped],
            )?
            .ok_or_else(|| VaultError::Corrupt { what: "new data key".into() })?
            .int(0)?;
        self.deks.lock().unwrap_or_else(|p| p.into_inner()).insert(id, key.clone());
        Ok((id, key))
    }

    /// Data key `id`, unwrapped (cached).
    fn dek(&self, c: &mut dyn Sql, id: i64) -> Result<Zeroizing<[u8; 32]>, VaultError> {
        if let Some(k) = self.deks.lock().unwrap_or_else(|p| p.into_inner()).get(&id) {
            return Ok(k.clone());
        }
        let r = c
            .row("SELECT kek, nonce, wrapped FROM deks WHERE id = ?1", p![id])?
            .ok_or_else(|| VaultError::Corrupt { what: format!("data key {id} (missing)") })?;
        let (kek_id, nonce, wrapped) = (r.text(0)?, r.blob(1)?, r.blob(2)?);
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
        c: &mut dyn Sql,
        who: &Accessor,
        id: &str,
        version: Option<u32>,
    ) -> Result<(Zeroizing<Vec<u8>>, Delivery, u32), VaultError> {
        let not_found = || VaultError::NotFound(format!("secret {id:?} of tenant {:?}", who.tenant));
        let row = c.row(
            "SELECT version, owner, delivery, dek, nonce, ct, revoked FROM secrets
             WHERE tenant = ?1 AND id = ?2 AND (CAST(?3 AS BIGINT) IS NULL OR version = ?3) ORDER BY version DESC LIMIT 1",
            p![&who.tenant, id, version],
        )?;
        let r = row.ok_or_else(not_found)?;
        if version.is_none() && self.remote {
            let mut rows = self.rows.lock().unwrap_or_else(|p| p.into_inner());
            if rows.len() >= ROW_CACHE_MAX {
                rows.retain(|_, (at, _)| at.elapsed() < KEY_CACHE_TTL);
            }
            rows.insert((who.tenant.clone(), id.to_string()), (Instant::now(), r.clone()));
        }
        let dek = self.dek(c, r.int(3)?)?;
        self.open_row(&r, &dek, who, id)
    }

    /// A secret's row opened for `who`: the owner and revocation checked, then decrypted.
    fn open_row(
        &self,
        r: &Row,
        dek: &[u8; 32],
        who: &Accessor,
        id: &str,
    ) -> Result<(Zeroizing<Vec<u8>>, Delivery, u32), VaultError> {
        let not_found = || VaultError::NotFound(format!("secret {id:?} of tenant {:?}", who.tenant));
        let (version, owner, delivery) = (r.u32(0)?, r.text(1)?, r.text(2)?);
        // Another user's secret does not exist as far as this caller can tell.
        if !owner.is_empty() && who.user.as_deref() != Some(owner.as_str()) {
            return Err(not_found());
        }
        if r.opt_int(6)?.is_some() {
            return Err(VaultError::Revoked(format!("secret {id:?} of tenant {:?}", who.tenant)));
        }
        let plain = open(dek, &r.blob(4)?, &r.blob(5)?, &secret_aad(&who.tenant, id, version, &owner, &delivery))
            .ok_or_else(|| VaultError::Corrupt {
                what: format!("secret {id:?} version {version} of tenant {:?}", who.tenant),
            })?;
        let delivery = if delivery == "proxied" { Delivery::Proxied } else { Delivery::Injected };
        Ok((plain, delivery, version))
    }

    /// [`Vault::use_proxied`] from this process's memory only, without waiting on the store:
    /// `None` when that needs the store. Only a PostgreSQL vault keeps a secret's (sealed)
    /// row, for at most [`super::KEY_CACHE_TTL`] — so a revocation made by another process
    /// holds here within that time; an SQLite vault reads the file every time (`None`).
    pub fn use_proxied_cached<R>(
        &self,
        who: &Accessor,
        id: &str,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Option<Result<R, VaultError>> {
        if !self.remote {
            return None;
        }
        let row = {
            let rows = self.rows.lock().unwrap_or_else(|p| p.into_inner());
            let (at, r) = rows.get(&(who.tenant.clone(), id.to_string()))?;
            if at.elapsed() >= KEY_CACHE_TTL {
                return None;
            }
            r.clone()
        };
        let dek = self.deks.lock().unwrap_or_else(|p| p.into_inner()).get(&row.int(3).ok()?)?.clone();
        Some(self.open_row(&row, &dek, who, id).and_then(|(plain, delivery, _)| {
            if delivery != Delivery::Proxied {
                return Err(VaultError::Denied(format!("secret {id:?} is injected: lease it")));
            }
            Ok(f(&plain))
        }))
    }

    /// Lends the plaintext of proxied secret `id` to `f` (the call to a provider) and wipes it
    /// afterwards. Injected secrets go through [`Vault::lease`] instead.
    pub fn use_proxied<R>(&self, who: &Accessor, id: &str, f: impl FnOnce(&[u8]) -> R) -> Result<R, VaultError> {
        let (plain, delivery, _) = self.run(|c| self.read(c, who, id, None))?;
        if delivery != Delivery::Proxied {
            return Err(VaultError::Denied(format!("secret {id:?} is injected: lease it")));
        }
        Ok(f(&plain))
    }

    /// Releases injected secret `id` to `holder` for `ttl`.
    pub fn lease(&self, who: &Accessor, id: &str, holder: &str, ttl: Duration) -> Result<Lease, VaultError> {
        self.run(|c| {
            let (_, delivery, version) = self.read(c, who, id, None)?;
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
            c.exec(
                "INSERT INTO leases(id, tenant, secret, version, holder, expires) VALUES (?1,?2,?3,?4,?5,?6)",
                p![&lease.id, &lease.tenant, &lease.secret, lease.version, &lease.holder, lease.expires_ms],
            )?;
            Ok(lease)
        })
    }

    /// The value a lease releases, while the lease and the secret are live.
    pub fn read_lease(&self, lease_id: &str) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        self.read_lease_with(lease_id).map(|(_, v)| v)
    }

    /// [`read_lease`](Vault::read_lease), with the lease (whose tenant, secret, version and
    /// holder an audit record names).
    pub fn read_lease_with(&self, lease_id: &str) -> Result<(Lease, Zeroizing<Vec<u8>>), VaultError> {
        self.run(|c| {
            let r = c
                .row(
                    "SELECT tenant, secret, version, holder, expires, revoked FROM leases WHERE id = ?1",
                    p![lease_id],
                )?
                .ok_or_else(|| VaultError::NotFound("no such lease".into()))?;
            let (tenant, secret, version, holder) = (r.text(0)?, r.text(1)?, r.u32(2)?, r.text(3)?);
            let expires_ms = r.int(4)?;
            if r.opt_int(5)?.is_some() || expires_ms <= now_ms() {
                return Err(VaultError::Revoked(format!("lease of secret {secret:?} held by {holder:?}")));
            }
            // The holder reads as the secret's owner would: the lease was granted to them.
            let owner = c
                .row(
                    "SELECT owner FROM secrets WHERE tenant=?1 AND id=?2 AND version=?3",
                    p![&tenant, &secret, version],
                )?
                .ok_or_else(|| VaultError::NotFound(format!("secret {secret:?} of tenant {tenant:?}")))?
                .text(0)?;
            let who = Accessor { tenant: tenant.clone(), user: (!owner.is_empty()).then_some(owner) };
            let value = self.read(c, &who, &secret, Some(version))?.0;
            Ok((Lease { id: lease_id.to_string(), tenant, secret, version, holder, expires_ms }, value))
        })
    }

    /// The secrets of `who`'s tenant that `who` may see (tenant-wide ones, and the user's own),
    /// newest version each, without values.
    pub fn list(&self, who: &Accessor) -> Result<Vec<SecretInfo>, VaultError> {
        let user = who.user.as_deref().unwrap_or("");
        let rows = self.run(|c| {
            c.rows(
                "SELECT s.id, s.version, s.owner, s.delivery, s.created, s.revoked FROM secrets s
                 WHERE s.tenant = ?1 AND (s.owner = '' OR s.owner = ?2)
                 AND s.version = (SELECT MAX(m.version) FROM secrets m
                                  WHERE m.tenant = s.tenant AND m.id = s.id AND (m.owner = '' OR m.owner = ?2))
                 ORDER BY s.id",
                p![&who.tenant, user],
            )
        })?;
        rows.iter()
            .map(|r| {
                let owner = r.text(2)?;
                Ok(SecretInfo {
                    tenant: who.tenant.clone(),
                    id: r.text(0)?,
                    version: r.u32(1)?,
                    scope: if owner.is_empty() { Scope::Tenant } else { Scope::User(owner) },
                    delivery: if r.text(3)? == "proxied" { Delivery::Proxied } else { Delivery::Injected },
                    created: r.int(4)?,
                    revoked: r.opt_int(5)?,
                })
            })
            .collect()
    }

    /// Rotates to the first master key given at [`Vault::open`]: records the rotation, rewraps
    /// every data key (one transaction each), then makes the new key the vault's. Readers that
    /// hold both keys keep working throughout; a crash at any step leaves every secret
    /// readable with both keys, and running `rotate` again finishes the job. Afterwards the
    /// old key is no longer needed (nor accepted).
    pub fn rotate(&self) -> Result<Rotation, VaultError> {
        let new = &self.keks[0];
        let mut report = Rotation { rewrapped: 0, kek: new.id.clone() };
        self.write(|c| {
            c.exec(
                "INSERT INTO meta(k, v) VALUES ('kek_next', ?1) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
                p![&new.id],
            )
        })?;
        loop {
            let done = self.write(|tx| {
                let Some(r) = tx.row("SELECT id FROM deks WHERE kek != ?1 ORDER BY id LIMIT 1", p![&new.id])? else {
                    return Ok(true);
                };
                let id = r.int(0)?;
                let key = self.dek(tx, id)?;
                let (nonce, wrapped) = seal(new.key(), &key[..], &dek_aad(&new.id))?;
                tx.exec(
                    "UPDATE deks SET kek = ?2, nonce = ?3, wrapped = ?4 WHERE id = ?1",
                    p![id, &new.id, &nonce[..], &wrapped],
                )?;
                Ok(false)
            })?;
            if done {
                break;
            }
            report.rewrapped += 1;
        }
        self.write(|tx| {
            tx.exec("UPDATE meta SET v = ?1 WHERE k = 'kek'", p![&new.id])?;
            tx.exec("DELETE FROM meta WHERE k = 'kek_next'", &[])?;
            Ok(())
        })?;
        Ok(report)
    }
}
