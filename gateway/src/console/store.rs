//! The console's own state, in SQLite: who is a member of which tenant with which role,
//! one-time sign-in links, and sessions. Secrets (links, session ids) are kept as SHA-256
//! hashes: a copy of the file signs nobody in.

use super::error::ConsoleError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use dlpjet_vault::Role;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

/// A signed-in person's session, as the store keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Who (the e-mail address they were invited or signed in with).
    pub email: String,
    /// The token every state-changing request must carry.
    pub csrf: String,
}

/// The console's state file.
///
/// ```
/// use dlpjet_gateway::console::Store;
/// use dlpjet_vault::Role;
/// use std::time::Duration;
///
/// let dir = tempfile::tempdir()?;
/// let store = Store::open(&dir.path().join("console.db"))?;
/// // What `dlpjet console invite --tenant acme --role owner ana@example.com` does:
/// let link = store.invite("ana@example.com", "acme", Role::Owner, Duration::from_secs(3600))?;
/// assert_eq!(store.redeem(&link)?, ("ana@example.com".to_string(), "acme".to_string()));
/// assert!(store.redeem(&link).is_err(), "a link works once");
/// assert_eq!(store.roles("ana@example.com")?, [("acme".to_string(), Role::Owner)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Store {
    db: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS members (
    email TEXT NOT NULL, tenant TEXT NOT NULL, role TEXT NOT NULL, created INTEGER NOT NULL,
    PRIMARY KEY (email, tenant));
CREATE TABLE IF NOT EXISTS invites (
    hash BLOB PRIMARY KEY, email TEXT NOT NULL, tenant TEXT NOT NULL, role TEXT NOT NULL,
    expires INTEGER NOT NULL, used INTEGER);
CREATE TABLE IF NOT EXISTS sessions (
    hash BLOB PRIMARY KEY, email TEXT NOT NULL, csrf TEXT NOT NULL, created INTEGER NOT NULL,
    expires INTEGER NOT NULL, last_seen INTEGER NOT NULL);
";

/// A random token: 32 bytes, base64url.
pub fn token() -> Result<String, ConsoleError> {
    let b = dlpjet_vault::crypto::random::<32>().map_err(|e| ConsoleError::Store(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(b))
}

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn now_ms() -> i64 {
    crate::server::now_micros() / 1000
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn db_error(e: rusqlite::Error) -> ConsoleError {
    ConsoleError::Store(e.to_string())
}

impl Store {
    /// Opens (creating when missing) the state file at `path`.
    ///
    /// # Errors
    /// The file cannot be opened or is not the console's.
    pub fn open(path: &Path) -> Result<Store, ConsoleError> {
        let db = Connection::open(path).map_err(|e| ConsoleError::Store(format!("{}: {e}", path.display())))?;
        db.execute_batch(SCHEMA).map_err(|e| ConsoleError::Store(format!("{}: {e}", path.display())))?;
        db.busy_timeout(Duration::from_secs(5)).map_err(db_error)?;
        Ok(Store { db: Mutex::new(db) })
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A one-time sign-in link's token for `email`, who becomes `role` of `tenant` on using it.
    ///
    /// # Errors
    /// The store cannot be written.
    pub fn invite(&self, email: &str, tenant: &str, role: Role, valid: Duration) -> Result<String, ConsoleError> {
        check_email(email)?;
        if tenant.is_empty() {
            return Err(ConsoleError::Invalid("an invitation needs a tenant".into()));
        }
        let t = token()?;
        self.db()
            .execute(
                "INSERT INTO invites (hash, email, tenant, role, expires) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![hash(&t), email, tenant, role.as_str(), now_ms().saturating_add(ms(valid))],
            )
            .map_err(db_error)?;
        Ok(t)
    }

    /// Uses a sign-in link: makes its person a member with its role, and returns who it was
    /// for and the tenant. A link works once, and not after it expires.
    ///
    /// # Errors
    /// [`ConsoleError::Denied`] for an unknown, used or expired link.
    pub fn redeem(&self, token: &str) -> Result<(String, String), ConsoleError> {
        let mut db = self.db();
        let tx = db.transaction().map_err(db_error)?;
        let row: Option<(String, String, String, i64, Option<i64>)> = tx
            .query_row(
                "SELECT email, tenant, role, expires, used FROM invites WHERE hash = ?1",
                params![hash(token)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()
            .map_err(db_error)?;
        let Some((email, tenant, role, expires, used)) = row else {
            return Err(ConsoleError::Denied("unknown sign-in link".into()));
        };
        if used.is_some() {
            return Err(ConsoleError::Denied("this sign-in link was used already".into()));
        }
        if expires <= now_ms() {
            return Err(ConsoleError::Denied("this sign-in link has expired".into()));
        }
        tx.execute("UPDATE invites SET used = ?1 WHERE hash = ?2", params![now_ms(), hash(token)]).map_err(db_error)?;
        tx.execute(
            "INSERT INTO members (email, tenant, role, created) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (email, tenant) DO UPDATE SET role = excluded.role",
            params![email, tenant, role, now_ms()],
        )
        .map_err(db_error)?;
        tx.commit().map_err(db_error)?;
        Ok((email, tenant))
    }

    /// The tenants `email` is a member of, with the role in each, by tenant name.
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn roles(&self, email: &str) -> Result<Vec<(String, Role)>, ConsoleError> {
        self.with_roles("SELECT tenant, role FROM members WHERE email = ?1 ORDER BY tenant", email)
    }

    /// The members of `tenant` with their roles, by address.
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn members(&self, tenant: &str) -> Result<Vec<(String, Role)>, ConsoleError> {
        self.with_roles("SELECT email, role FROM members WHERE tenant = ?1 ORDER BY email", tenant)
    }

    /// The (name, role) rows of `sql` with `arg` as its parameter.
    fn with_roles(&self, sql: &str, arg: &str) -> Result<Vec<(String, Role)>, ConsoleError> {
        let db = self.db();
        let mut st = db.prepare(sql).map_err(db_error)?;
        let rows = st.query_map(params![arg], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)));
        let mut out = Vec::new();
        for row in rows.map_err(db_error)? {
            let (name, role) = row.map_err(db_error)?;
            out.push((name, Role::parse(&role).unwrap_or(Role::Member)));
        }
        Ok(out)
    }

    /// Sets `email`'s role in `tenant` (`None` removes them from it). The last owner of a
    /// tenant stays one.
    ///
    /// # Errors
    /// [`ConsoleError::Invalid`] when it would leave the tenant without an owner.
    pub fn set_role(&self, email: &str, tenant: &str, role: Option<Role>) -> Result<(), ConsoleError> {
        let mut db = self.db();
        let tx = db.transaction().map_err(db_error)?;
        let owners: i64 = tx
            .query_row(
                "SELECT count(*) FROM members WHERE tenant = ?1 AND role = 'owner' AND email != ?2",
                params![tenant, email],
                |r| r.get(0),
            )
            .map_err(db_error)?;
        let is_owner: bool = tx
            .query_row(
                "SELECT count(*) FROM members WHERE tenant = ?1 AND role = 'owner' AND email = ?2",
                params![tenant, email],
                |r| r.get::<_, i64>(0),
            )
            .map_err(db_error)?
            > 0;
        if is_owner && owners == 0 && role != Some(Role::Owner) {
            return Err(ConsoleError::Invalid(format!("{email} is the last owner of {tenant}")));
        }
        match role {
            Some(r) => tx.execute(
                "UPDATE members SET role = ?3 WHERE email = ?1 AND tenant = ?2",
                params![email, tenant, r.as_str()],
            ),
            None => tx.execute("DELETE FROM members WHERE email = ?1 AND tenant = ?2", params![email, tenant]),
        }
        .map_err(db_error)?;
        tx.commit().map_err(db_error)
    }

    /// Starts a session for `email`: returns its id (for the cookie) and the session.
    ///
    /// # Errors
    /// The store cannot be written.
    pub fn start_session(&self, email: &str, lifetime: Duration) -> Result<(String, Session), ConsoleError> {
        let (id, csrf) = (token()?, token()?);
        let now = now_ms();
        self.db()
            .execute(
                "INSERT INTO sessions (hash, email, csrf, created, expires, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?4)",
                params![hash(&id), email, csrf, now, now.saturating_add(ms(lifetime))],
            )
            .map_err(db_error)?;
        Ok((id, Session { email: email.to_string(), csrf }))
    }

    /// The session with id `id`, when it exists, has not expired and was used within `idle`;
    /// marks it used now. An expired session is removed.
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn session(&self, id: &str, idle: Duration) -> Result<Option<Session>, ConsoleError> {
        let db = self.db();
        let h = hash(id);
        let row: Option<(String, String, i64, i64)> = db
            .query_row("SELECT email, csrf, expires, last_seen FROM sessions WHERE hash = ?1", params![h], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()
            .map_err(db_error)?;
        let Some((email, csrf, expires, last_seen)) = row else { return Ok(None) };
        let now = now_ms();
        if expires <= now || last_seen.saturating_add(ms(idle)) <= now {
            db.execute("DELETE FROM sessions WHERE hash = ?1", params![h]).map_err(db_error)?;
            return Ok(None);
        }
        // Written at most once a minute: reading pages should not write the file each time.
        if now - last_seen > 60_000 {
            db.execute("UPDATE sessions SET last_seen = ?1 WHERE hash = ?2", params![now, h]).map_err(db_error)?;
        }
        Ok(Some(Session { email, csrf }))
    }

    /// Ends a session (sign-out).
    ///
    /// # Errors
    /// The store cannot be written.
    pub fn end_session(&self, id: &str) -> Result<(), ConsoleError> {
        self.db().execute("DELETE FROM sessions WHERE hash = ?1", params![hash(id)]).map_err(db_error)?;
        Ok(())
    }

    /// Makes `id`'s session older by `by`, as if it had been idle that long (tests of expiry).
    #[doc(hidden)]
    pub fn age_session(&self, id: &str, by: Duration) -> Result<(), ConsoleError> {
        self.db()
            .execute("UPDATE sessions SET last_seen = last_seen - ?1 WHERE hash = ?2", params![ms(by), hash(id)])
            .map_err(db_error)?;
        Ok(())
    }
}

/// Checks that `email` looks like an address (`who@where`), short and without spaces.
fn check_email(email: &str) -> Result<(), ConsoleError> {
    let ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(ConsoleError::Invalid(format!("{email:?} is not an e-mail address")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invites_sessions_and_roles() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("c.db")).unwrap();
        let t = s.invite("ana@example.com", "acme", Role::Owner, Duration::from_secs(60)).unwrap();
        assert!(matches!(s.redeem("nope"), Err(ConsoleError::Denied(_))));
        assert_eq!(s.redeem(&t).unwrap(), ("ana@example.com".into(), "acme".into()));
        assert!(matches!(s.redeem(&t), Err(ConsoleError::Denied(_))), "a link works once");
        assert_eq!(s.roles("ana@example.com").unwrap(), [("acme".to_string(), Role::Owner)]);
        let old = s.invite("bo@example.com", "acme", Role::Member, Duration::ZERO).unwrap();
        assert!(matches!(s.redeem(&old), Err(ConsoleError::Denied(_))), "an expired link");
        // The last owner stays one.
        assert!(s.set_role("ana@example.com", "acme", Some(Role::Admin)).is_err());
        assert!(s.set_role("ana@example.com", "acme", None).is_err());
        let (id, sess) = s.start_session("ana@example.com", Duration::from_secs(3600)).unwrap();
        assert_eq!(s.session(&id, Duration::from_secs(60)).unwrap(), Some(sess));
        assert_eq!(s.session("forged", Duration::from_secs(60)).unwrap(), None);
        s.age_session(&id, Duration::from_secs(120)).unwrap();
        assert_eq!(s.session(&id, Duration::from_secs(60)).unwrap(), None, "idle too long");
        let (id, _) = s.start_session("ana@example.com", Duration::from_secs(3600)).unwrap();
        s.end_session(&id).unwrap();
        assert_eq!(s.session(&id, Duration::from_secs(60)).unwrap(), None, "signed out");
        assert!(s.invite("not an address", "acme", Role::Member, Duration::from_secs(1)).is_err());
    }
}
