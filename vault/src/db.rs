//! The vault's two stores behind one small SQL interface: the embedded SQLite file (the
//! default) and PostgreSQL (feature `postgres`), for several gateway instances sharing
//! one vault. Both hold the same tables; PostgreSQL only ever sees what SQLite would — sealed
//! secrets, wrapped data keys and key hashes.
//!
//! Statements are written once, with SQLite's `?N` placeholders (rewritten to `$N` for
//! PostgreSQL) and in the dialect both accept. Integers are 64-bit on both sides.

use super::VaultError;
#[cfg(feature = "sqlite")]
use std::time::Duration;

/// Whether opening an SQLite store may create it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Create {
    /// Only a new store: one already there is an error.
    New,
    /// Open it, or create it when missing.
    IfMissing,
    /// Only an existing store: a missing one is an error, and nothing is left behind.
    Never,
}

/// A statement parameter. Nulls carry their type: PostgreSQL checks it.
#[derive(Clone, Copy, Debug)]
pub(super) enum Param<'a> {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<&'a str>),
    Blob(&'a [u8]),
}

impl From<i64> for Param<'_> {
    fn from(v: i64) -> Self {
        Param::Int(Some(v))
    }
}
impl From<Option<i64>> for Param<'_> {
    fn from(v: Option<i64>) -> Self {
        Param::Int(v)
    }
}
impl From<u32> for Param<'_> {
    fn from(v: u32) -> Self {
        Param::Int(Some(i64::from(v)))
    }
}
impl From<Option<u32>> for Param<'_> {
    fn from(v: Option<u32>) -> Self {
        Param::Int(v.map(i64::from))
    }
}
impl From<Option<f64>> for Param<'_> {
    fn from(v: Option<f64>) -> Self {
        Param::Real(v)
    }
}
impl<'a> From<&'a str> for Param<'a> {
    fn from(v: &'a str) -> Self {
        Param::Text(Some(v))
    }
}
impl<'a> From<&'a String> for Param<'a> {
    fn from(v: &'a String) -> Self {
        Param::Text(Some(v))
    }
}
impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Param::Text(v)
    }
}
impl<'a> From<&'a [u8]> for Param<'a> {
    fn from(v: &'a [u8]) -> Self {
        Param::Blob(v)
    }
}
impl<'a> From<&'a Vec<u8>> for Param<'a> {
    fn from(v: &'a Vec<u8>) -> Self {
        Param::Blob(v)
    }
}

/// The parameters of a statement: `p![a, b, c]`.
macro_rules! p {
    ($($x:expr),* $(,)?) => { &[$($crate::db::Param::from($x)),*][..] };
}
pub(super) use p;

/// A column value as read.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// One result row.
#[derive(Clone, Debug)]
pub(super) struct Row(Vec<Value>);

impl Row {
    fn at(&self, i: usize) -> &Value {
        self.0.get(i).unwrap_or(&Value::Null)
    }

    fn mismatch(&self, i: usize, want: &str) -> VaultError {
        VaultError::Corrupt { what: format!("column {i}: expected {want}, found {:?}", self.at(i).kind()) }
    }

    pub(super) fn int(&self, i: usize) -> Result<i64, VaultError> {
        self.opt_int(i)?.ok_or_else(|| self.mismatch(i, "an integer"))
    }

    pub(super) fn opt_int(&self, i: usize) -> Result<Option<i64>, VaultError> {
        match self.at(i) {
            Value::Int(v) => Ok(Some(*v)),
            Value::Null => Ok(None),
            _ => Err(self.mismatch(i, "an integer")),
        }
    }

    pub(super) fn u32(&self, i: usize) -> Result<u32, VaultError> {
        u32::try_from(self.int(i)?).map_err(|_| self.mismatch(i, "a 32-bit count"))
    }

    pub(super) fn text(&self, i: usize) -> Result<String, VaultError> {
        match self.at(i) {
            Value::Text(v) => Ok(v.clone()),
            _ => Err(self.mismatch(i, "text")),
        }
    }

    pub(super) fn blob(&self, i: usize) -> Result<Vec<u8>, VaultError> {
        match self.at(i) {
            Value::Blob(v) => Ok(v.clone()),
            _ => Err(self.mismatch(i, "bytes")),
        }
    }
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Int(_) => "integer",
            Value::Real(_) => "real",
            Value::Text(_) => "text",
            Value::Blob(_) => "bytes",
        }
    }
}

/// What a store can run: statements, inside a transaction or not.
pub(super) trait Sql {
    /// Runs a statement; returns how many rows it changed.
    fn exec(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64, VaultError>;
    /// Runs a query; returns every row.
    fn rows(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, VaultError>;

    /// The first row of a query, if any.
    fn row(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Option<Row>, VaultError> {
        Ok(self.rows(sql, params)?.into_iter().next())
    }
}

/// Where the vault lives, for error messages: a file, or a PostgreSQL database (never with
/// its password).
pub(super) struct Location(pub String);

/// SQLite.
#[cfg(feature = "sqlite")]
pub(super) struct Sqlite<'c> {
    conn: &'c rusqlite::Connection,
    at: &'c str,
}

#[cfg(feature = "sqlite")]
impl Sql for Sqlite<'_> {
    fn exec(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64, VaultError> {
        let mut st = self.conn.prepare_cached(sql).map_err(|e| sqlite_error(self.at, &e))?;
        let n = st
            .execute(rusqlite::params_from_iter(params.iter().map(sqlite_value)))
            .map_err(|e| sqlite_error(self.at, &e))?;
        Ok(n as u64)
    }

    fn rows(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, VaultError> {
        let mut st = self.conn.prepare_cached(sql).map_err(|e| sqlite_error(self.at, &e))?;
        let n = st.column_count();
        let mut rows = st
            .query(rusqlite::params_from_iter(params.iter().map(sqlite_value)))
            .map_err(|e| sqlite_error(self.at, &e))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(|e| sqlite_error(self.at, &e))? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                use rusqlite::types::ValueRef;
                row.push(match r.get_ref(i).map_err(|e| sqlite_error(self.at, &e))? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => Value::Real(v),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                });
            }
            out.push(Row(row));
        }
        Ok(out)
    }
}

#[cfg(feature = "sqlite")]
fn sqlite_value(p: &Param<'_>) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match *p {
        Param::Int(v) => v.map_or(V::Null, V::Integer),
        Param::Real(v) => v.map_or(V::Null, V::Real),
        Param::Text(v) => v.map_or(V::Null, |s| V::Text(s.to_string())),
        Param::Blob(v) => V::Blob(v.to_vec()),
    }
}

#[cfg(feature = "sqlite")]
pub(super) fn sqlite_error(at: &str, e: &rusqlite::Error) -> VaultError {
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
    VaultError::Store { path: at.to_string(), message: format!("{e}{hint}") }
}

/// The store a vault was opened on.
pub(super) enum Db {
    #[cfg(feature = "sqlite")]
    Sqlite(rusqlite::Connection),
    #[cfg(feature = "postgres")]
    Postgres(Box<postgres_store::Pg>),
}

impl Db {
    /// Whether the store is a database server (its client blocks on the network).
    pub(super) fn is_remote(&self) -> bool {
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(_) => false,
            #[cfg(feature = "postgres")]
            Db::Postgres(_) => true,
        }
    }

    #[cfg(feature = "postgres")]
    pub(super) fn open_postgres(conninfo: &str) -> Result<(Db, Location), VaultError> {
        let (pg, at) = postgres_store::Pg::connect(conninfo)?;
        Ok((Db::Postgres(Box::new(pg)), Location(at)))
    }

    #[cfg(feature = "sqlite")]
    pub(super) fn open_sqlite(path: &std::path::Path, mode: Create) -> Result<(Db, Location), VaultError> {
        let at = path.display().to_string();
        // A new store is created readable by its owner only; SQLite gives its WAL and shared
        // memory files the database file's mode.
        let mut new = std::fs::OpenOptions::new();
        new.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut new, 0o600);
        let store = |message: String| VaultError::Store { path: at.clone(), message };
        if mode == Create::Never {
            if !path.exists() {
                return Err(store("no vault here (create one first: `dlpjet vault init --store PATH`)".into()));
            }
        } else {
            match new.open(path) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && mode == Create::New => {
                    return Err(store("a vault already exists here".into()));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(store(e.to_string())),
            }
        }
        let conn = rusqlite::Connection::open(path).map_err(|e| sqlite_error(&at, &e))?;
        conn.busy_timeout(Duration::from_secs(2)).map_err(|e| sqlite_error(&at, &e))?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON;",
        )
        .map_err(|e| sqlite_error(&at, &e))?;
        conn.execute_batch(SQLITE_SCHEMA).map_err(|e| sqlite_error(&at, &e))?;
        Ok((Db::Sqlite(conn), Location(at)))
    }

    /// Runs `f` outside a transaction. (`at` names an SQLite file in its errors.)
    #[cfg_attr(not(feature = "sqlite"), allow(unused_variables))]
    pub(super) fn run<R>(
        &mut self,
        at: &Location,
        f: impl FnOnce(&mut dyn Sql) -> Result<R, VaultError>,
    ) -> Result<R, VaultError> {
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(conn) => f(&mut Sqlite { conn, at: &at.0 }),
            #[cfg(feature = "postgres")]
            Db::Postgres(pg) => pg.run(f),
        }
    }

    /// Runs `f` in a write transaction that no other writer of the store overlaps (SQLite's
    /// `BEGIN IMMEDIATE`; on PostgreSQL a transaction-scoped advisory lock), and commits if
    /// it returns `Ok`.
    #[cfg_attr(not(feature = "sqlite"), allow(unused_variables))]
    pub(super) fn write<R>(
        &mut self,
        at: &Location,
        f: impl FnOnce(&mut dyn Sql) -> Result<R, VaultError>,
    ) -> Result<R, VaultError> {
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(conn) => {
                let tx = conn
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(|e| sqlite_error(&at.0, &e))?;
                let out = f(&mut Sqlite { conn: &tx, at: &at.0 })?;
                tx.commit().map_err(|e| sqlite_error(&at.0, &e))?;
                Ok(out)
            }
            #[cfg(feature = "postgres")]
            Db::Postgres(pg) => pg.write(f),
        }
    }
}

#[cfg(feature = "sqlite")]
const SQLITE_SCHEMA: &str = "
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
CREATE TABLE IF NOT EXISTS api_key_attributes(
    id TEXT NOT NULL REFERENCES api_keys(id), name TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY(id, name));
";

/// PostgreSQL: one connection per vault, its statements prepared once (SQLite caches its
/// own through `prepare_cached`).
#[cfg(feature = "postgres")]
mod postgres_store {
    use super::{Param, Row, Sql, Value, VaultError};
    use postgres::types::{ToSql, Type};
    use std::collections::HashMap;

    /// Serialises the vault's writers across every process that shares the database (any
    /// 64-bit constant of the vault's own; "dlpjet\0v" in ASCII).
    const WRITE_LOCK: i64 = 0x646c_706a_6574_0076;

    const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deks(
    id BIGSERIAL PRIMARY KEY, kek TEXT NOT NULL, nonce BYTEA NOT NULL, wrapped BYTEA NOT NULL,
    uses BIGINT NOT NULL DEFAULT 0, retired BIGINT NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS secrets(
    tenant TEXT NOT NULL, id TEXT NOT NULL, version BIGINT NOT NULL, owner TEXT NOT NULL,
    delivery TEXT NOT NULL, dek BIGINT NOT NULL REFERENCES deks(id), nonce BYTEA NOT NULL,
    ct BYTEA NOT NULL, created BIGINT NOT NULL, revoked BIGINT,
    PRIMARY KEY(tenant, id, version));
CREATE TABLE IF NOT EXISTS leases(
    id TEXT PRIMARY KEY, tenant TEXT NOT NULL, secret TEXT NOT NULL, version BIGINT NOT NULL,
    holder TEXT NOT NULL, expires BIGINT NOT NULL, revoked BIGINT);
CREATE TABLE IF NOT EXISTS api_keys(
    id TEXT PRIMARY KEY, tenant TEXT NOT NULL, \"user\" TEXT NOT NULL, role TEXT NOT NULL,
    hash BYTEA NOT NULL, expires BIGINT, rate_limit BIGINT, budget DOUBLE PRECISION,
    created BIGINT NOT NULL, revoked BIGINT);
CREATE TABLE IF NOT EXISTS api_key_attributes(
    id TEXT NOT NULL REFERENCES api_keys(id), name TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY(id, name));
";

    pub(crate) struct Pg {
        client: postgres::Client,
        statements: HashMap<String, postgres::Statement>,
        at: String,
    }

    impl Pg {
        /// Connects (a libpq-style connection string or `postgresql://` URL; the password may
        /// also come from `PGPASSWORD`) and creates the tables if they are missing.
        pub(crate) fn connect(conninfo: &str) -> Result<(Pg, String), VaultError> {
            let mut config: postgres::Config = conninfo.parse().map_err(|e| VaultError::Store {
                path: "postgres".into(),
                message: format!("connection string: {e}"),
            })?;
            if config.get_password().is_none() {
                if let Ok(p) = std::env::var("PGPASSWORD") {
                    config.password(p);
                }
            }
            if config.get_connect_timeout().is_none() {
                config.connect_timeout(std::time::Duration::from_secs(5));
            }
            let at = describe(&config);
            let client = config.connect(postgres::NoTls).map_err(|e| pg_error(&at, &e))?;
            let mut pg = Pg { client, statements: HashMap::new(), at: at.clone() };
            // Several instances may start at once: one creates the tables, the others wait.
            pg.write(|tx| {
                for stmt in SCHEMA.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                    tx.exec(stmt, &[])?;
                }
                Ok(())
            })?;
            Ok((pg, at))
        }

        pub(crate) fn run<R>(
            &mut self,
            f: impl FnOnce(&mut dyn Sql) -> Result<R, VaultError>,
        ) -> Result<R, VaultError> {
            let Pg { client, statements, at } = self;
            f(&mut PgSql { client, statements, at })
        }

        pub(crate) fn write<R>(
            &mut self,
            f: impl FnOnce(&mut dyn Sql) -> Result<R, VaultError>,
        ) -> Result<R, VaultError> {
            let Pg { client, statements, at } = self;
            let mut tx = client.transaction().map_err(|e| pg_error(at, &e))?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK]).map_err(|e| pg_error(at, &e))?;
            let out = f(&mut PgSql { client: &mut tx, statements, at })?;
            tx.commit().map_err(|e| pg_error(at, &e))?;
            Ok(out)
        }
    }

    struct PgSql<'a, C: postgres::GenericClient> {
        client: &'a mut C,
        statements: &'a mut HashMap<String, postgres::Statement>,
        at: &'a str,
    }

    impl<C: postgres::GenericClient> PgSql<'_, C> {
        fn statement(&mut self, sql: &str) -> Result<postgres::Statement, VaultError> {
            if let Some(s) = self.statements.get(sql) {
                return Ok(s.clone());
            }
            let s = self.client.prepare(&dollar_placeholders(sql)).map_err(|e| pg_error(self.at, &e))?;
            self.statements.insert(sql.to_string(), s.clone());
            Ok(s)
        }
    }

    fn boxed<'a>(params: &[Param<'a>]) -> Vec<Box<dyn ToSql + Sync + 'a>> {
        params
            .iter()
            .map(|p| -> Box<dyn ToSql + Sync + 'a> {
                match *p {
                    Param::Int(v) => Box::new(v),
                    Param::Real(v) => Box::new(v),
                    Param::Text(v) => Box::new(v),
                    Param::Blob(v) => Box::new(v),
                }
            })
            .collect()
    }

    impl<C: postgres::GenericClient> Sql for PgSql<'_, C> {
        fn exec(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64, VaultError> {
            let st = self.statement(sql)?;
            let values = boxed(params);
            let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| &**b as _).collect();
            self.client.execute(&st, &refs).map_err(|e| pg_error(self.at, &e))
        }

        fn rows(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, VaultError> {
            let st = self.statement(sql)?;
            let values = boxed(params);
            let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| &**b as _).collect();
            let rows = self.client.query(&st, &refs).map_err(|e| pg_error(self.at, &e))?;
            rows.iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| {
                            let t = r.columns()[i].type_();
                            let v = if *t == Type::INT8 {
                                r.try_get::<_, Option<i64>>(i).map(|v| v.map_or(Value::Null, Value::Int))
                            } else if *t == Type::INT4 {
                                r.try_get::<_, Option<i32>>(i).map(|v| v.map_or(Value::Null, |v| Value::Int(v.into())))
                            } else if *t == Type::FLOAT8 {
                                r.try_get::<_, Option<f64>>(i).map(|v| v.map_or(Value::Null, Value::Real))
                            } else if *t == Type::BYTEA {
                                r.try_get::<_, Option<Vec<u8>>>(i).map(|v| v.map_or(Value::Null, Value::Blob))
                            } else {
                                r.try_get::<_, Option<String>>(i).map(|v| v.map_or(Value::Null, Value::Text))
                            };
                            v.map_err(|e| pg_error(self.at, &e))
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map(Row)
                })
                .collect()
        }
    }

    /// `?1` → `$1` (the statements have no `?` elsewhere).
    fn dollar_placeholders(sql: &str) -> String {
        let mut out = String::with_capacity(sql.len());
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
                out.push('$');
            } else {
                out.push(c);
            }
        }
        out
    }

    /// `postgres://user@host:port/db`, without the password.
    fn describe(c: &postgres::Config) -> String {
        let host = c
            .get_hosts()
            .first()
            .map(|h| match h {
                postgres::config::Host::Tcp(h) => h.clone(),
                postgres::config::Host::Unix(p) => p.display().to_string(),
            })
            .unwrap_or_else(|| "localhost".into());
        let port = c.get_ports().first().copied().unwrap_or(5432);
        format!(
            "postgres://{}@{host}:{port}/{}",
            c.get_user().unwrap_or(""),
            c.get_dbname().or(c.get_user()).unwrap_or("")
        )
    }

    fn pg_error(at: &str, e: &postgres::Error) -> VaultError {
        let detail = match e.as_db_error() {
            Some(db) => format!("{}: {}", db.code().code(), db.message()),
            None if e.is_closed() => "the connection to the server is closed".to_string(),
            None => {
                let mut s = e.to_string();
                let mut src = std::error::Error::source(e);
                while let Some(inner) = src {
                    s = format!("{s}: {inner}");
                    src = inner.source();
                }
                s
            }
        };
        VaultError::Store { path: at.to_string(), message: detail }
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn placeholders_are_rewritten() {
            assert_eq!(
                super::dollar_placeholders("a = ?1 AND (?2 IS NULL OR b = ?2) AND c = ?10"),
                "a = $1 AND ($2 IS NULL OR b = $2) AND c = $10"
            );
        }
    }
}
