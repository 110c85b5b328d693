//! The key vault: envelope encryption bound to its context, scopes, delivery kinds, leases,
//! revocation, master key rotation surviving kill -9, API keys, no plaintext at rest, and
//! clear errors for bad input.

use dlpjet_vault::{Accessor, Delivery, MasterKey, Role, Scope, Vault, VaultError, KEY_CACHE_TTL};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

fn key(b: u8) -> MasterKey {
    MasterKey::from_bytes([b; 32])
}

fn attributes(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// A vault made before keys had attributes kept a key's rate limit and budget in columns of
/// their own: opened now, they are that key's `rate_limit` and `budget` attributes.
#[test]
fn key_limits_of_older_vaults_become_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let (k, other) = {
        let v = vault(dir.path());
        let k = v.issue_key("acme", "ann", Role::Member, None, &Default::default()).unwrap();
        let other = v.issue_key("acme", "bob", Role::Member, None, &attributes(&[("team", "red")])).unwrap();
        (k, other)
    };
    // The rows as the older version wrote them: the limits in the columns, no attributes.
    let db = rusqlite::Connection::open(dir.path().join("vault.db")).unwrap();
    db.execute("UPDATE api_keys SET rate_limit = 60, budget = 25.5 WHERE id = ?1", [&k.info.id]).unwrap();
    db.execute("DELETE FROM api_key_attributes WHERE id = ?1", [&k.info.id]).unwrap();
    drop(db);
    for _ in 0..2 {
        // Twice: the move happens once, and opening again changes nothing.
        let v = vault(dir.path());
        assert_eq!(v.verify_key(&k.key).unwrap().attributes, attributes(&[("budget", "25.5"), ("rate_limit", "60")]));
        assert_eq!(v.verify_key(&other.key).unwrap().attributes, attributes(&[("team", "red")]));
    }
    let db = rusqlite::Connection::open(dir.path().join("vault.db")).unwrap();
    let left: i64 = db
        .query_row("SELECT COUNT(*) FROM api_keys WHERE rate_limit IS NOT NULL OR budget IS NOT NULL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
}

fn vault(dir: &Path) -> Vault {
    Vault::open(dir.join("vault.db"), &[key(1)]).unwrap()
}

#[test]
fn secrets_are_scoped_and_delivered_by_kind() {
    let dir = tempfile::tempdir().unwrap();
    let v = vault(dir.path());
    v.put("acme", "openai", Scope::Tenant, Delivery::Proxied, b"sk-acme-provider").unwrap();
    v.put("acme", "github", Scope::User("ann".into()), Delivery::Injected, b"ghp-ann-token").unwrap();
    v.put("globex", "openai", Scope::Tenant, Delivery::Proxied, b"sk-globex-provider").unwrap();
    let acme = Accessor::tenant("acme");
    assert_eq!(v.use_proxied(&acme, "openai", |k| k.to_vec()).unwrap(), b"sk-acme-provider");
    assert!(v.use_proxied_cached(&acme, "openai", |_| ()).is_none(), "SQLite reads the file every time");
    assert_eq!(v.use_proxied(&Accessor::tenant("globex"), "openai", |k| k.to_vec()).unwrap(), b"sk-globex-provider");
    // Another tenant's or another user's secret does not exist for the caller.
    assert!(matches!(v.use_proxied(&Accessor::tenant("globex"), "github", |_| ()), Err(VaultError::NotFound(_))));
    assert!(matches!(
        v.lease(&Accessor::user("acme", "bob"), "github", "bob", Duration::from_secs(60)),
        Err(VaultError::NotFound(_))
    ));
    assert!(matches!(v.lease(&acme, "github", "svc", Duration::from_secs(60)), Err(VaultError::NotFound(_))));
    // Proxied secrets are never released; injected ones only through a lease.
    assert!(matches!(v.lease(&acme, "openai", "svc", Duration::from_secs(60)), Err(VaultError::Denied(_))));
    let ann = Accessor::user("acme", "ann");
    assert!(matches!(v.use_proxied(&ann, "github", |_| ()), Err(VaultError::Denied(_))));
    let lease = v.lease(&ann, "github", "ann", Duration::from_secs(60)).unwrap();
    assert_eq!(&v.read_lease(&lease.id).unwrap()[..], b"ghp-ann-token");
    // Listing shows what the caller may see, never values.
    let ids: Vec<String> = v.list(&ann).unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(ids, ["github", "openai"]);
    assert_eq!(v.list(&Accessor::user("acme", "bob")).unwrap().len(), 1);
    // New versions replace old ones for readers.
    assert_eq!(v.put("acme", "openai", Scope::Tenant, Delivery::Proxied, b"sk-acme-2").unwrap(), 2);
    assert_eq!(v.use_proxied(&acme, "openai", |k| k.to_vec()).unwrap(), b"sk-acme-2");
}

#[test]
fn leases_expire_and_revocation_is_immediate_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let a = vault(dir.path());
    // A second connection stands for another process sharing the store.
    let b = vault(dir.path());
    a.put("acme", "db", Scope::Tenant, Delivery::Injected, b"pg-password").unwrap();
    a.put("acme", "tok", Scope::User("ann".into()), Delivery::Injected, b"ann-token").unwrap();
    let who = Accessor::tenant("acme");
    let short = a.lease(&who, "db", "job-1", Duration::from_millis(150)).unwrap();
    let long = a.lease(&who, "db", "job-2", Duration::from_secs(600)).unwrap();
    assert_eq!(&b.read_lease(&short.id).unwrap()[..], b"pg-password");
    std::thread::sleep(Duration::from_millis(200));
    assert!(matches!(b.read_lease(&short.id), Err(VaultError::Revoked(_))));
    assert!(a.revoke_lease(&long.id).unwrap());
    assert!(matches!(b.read_lease(&long.id), Err(VaultError::Revoked(_))));
    let again = b.lease(&who, "db", "job-3", Duration::from_secs(600)).unwrap();
    a.revoke_secret("acme", "db").unwrap();
    assert!(matches!(b.read_lease(&again.id), Err(VaultError::Revoked(_))));
    assert!(matches!(b.lease(&who, "db", "job-4", Duration::from_secs(1)), Err(VaultError::Revoked(_))));
    // Everything of one user, then of a tenant.
    let ann = Accessor::user("acme", "ann");
    let l = b.lease(&ann, "tok", "ann", Duration::from_secs(60)).unwrap();
    let k = b.issue_key("acme", "ann", Role::Member, None, &Default::default()).unwrap();
    b.verify_key(&k.key).unwrap();
    a.revoke_all("acme", Some("ann")).unwrap();
    assert!(b.read_lease(&l.id).is_err());
    std::thread::sleep(KEY_CACHE_TTL + Duration::from_millis(50));
    assert!(
        matches!(b.verify_key(&k.key), Err(VaultError::Revoked(_))),
        "the other process sees it within the cache TTL"
    );
}

#[test]
fn ciphertexts_are_bound_to_their_row() {
    let dir = tempfile::tempdir().unwrap();
    let v = vault(dir.path());
    v.put("acme", "a", Scope::Tenant, Delivery::Proxied, b"value-a").unwrap();
    v.put("acme", "b", Scope::Tenant, Delivery::Proxied, b"value-b").unwrap();
    v.put("globex", "a", Scope::Tenant, Delivery::Proxied, b"value-g").unwrap();
    v.put("acme", "a", Scope::Tenant, Delivery::Proxied, b"value-a2").unwrap();
    let db = rusqlite::Connection::open(dir.path().join("vault.db")).unwrap();
    let copy = |from: (&str, &str, u32), to: (&str, &str, u32)| {
        db.execute(
            "UPDATE secrets SET nonce = (SELECT nonce FROM secrets WHERE tenant=?1 AND id=?2 AND version=?3),
                                ct = (SELECT ct FROM secrets WHERE tenant=?1 AND id=?2 AND version=?3)
             WHERE tenant=?4 AND id=?5 AND version=?6",
            rusqlite::params![from.0, from.1, from.2, to.0, to.1, to.2],
        )
        .unwrap();
    };
    copy(("acme", "a", 1), ("acme", "b", 1)); // another secret's row
    copy(("acme", "a", 1), ("globex", "a", 1)); // another tenant's row
    copy(("acme", "a", 1), ("acme", "a", 2)); // another version's row
    for (tenant, id) in [("acme", "b"), ("globex", "a"), ("acme", "a")] {
        let e = v.use_proxied(&Accessor::tenant(tenant), id, |_| ()).unwrap_err();
        assert!(matches!(e, VaultError::Corrupt { .. }), "{tenant}/{id}: {e}");
        assert!(!e.to_string().contains("value"));
    }
    // A user-scoped ciphertext made tenant-wide does not decrypt either.
    v.put("acme", "u", Scope::User("ann".into()), Delivery::Injected, b"ann").unwrap();
    db.execute("UPDATE secrets SET owner = '' WHERE id = 'u'", []).unwrap();
    assert!(matches!(
        v.lease(&Accessor::tenant("acme"), "u", "x", Duration::from_secs(1)),
        Err(VaultError::Corrupt { .. })
    ));
}

#[test]
fn api_keys_are_shown_once_hashed_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let v = vault(dir.path());
    let attrs = attributes(&[("rate_limit", "60"), ("team", "blue")]);
    let k = v.issue_key("acme", "ann", Role::Admin, Some(Duration::from_secs(3600)), &attrs).unwrap();
    assert!(k.key.starts_with("dlpjet_live_") && dlpjet_vault::apikeys::looks_valid(&k.key));
    // A leaked key is recognised by the built-in detector.
    let leak = format!("export DLPJET_KEY={}", &*k.key);
    let found = dlpjet::Scanner::new().scan(leak.as_bytes());
    assert_eq!(found.iter().map(|f| &*f.detector).collect::<Vec<_>>(), ["dlpjet_api_key"]);
    let info = v.verify_key(&k.key).unwrap();
    assert_eq!(
        (info.tenant.as_str(), info.user.as_str(), info.role, &info.attributes),
        ("acme", "ann", Role::Admin, &attrs)
    );
    // A wrong secret with a right checksum, a broken checksum, garbage: refused alike.
    let body_len = k.key.len() - 6;
    let mut forged = k.key[..body_len - 1].to_string();
    forged.push(if k.key.as_bytes()[body_len - 1] == b'a' { 'b' } else { 'a' });
    let forged = format!("{forged}{}", dlpjet_vault::apikeys::checksum(&forged));
    for bad in [forged.as_str(), &k.key[..k.key.len() - 1], "dlpjet_live_nope", ""] {
        assert!(matches!(v.verify_key(bad), Err(VaultError::Denied(_))), "{bad}");
    }
    let listed = v.list_keys("acme", None).unwrap();
    assert_eq!(listed.len(), 1);
    assert!(!format!("{listed:?}").contains(&k.key[12..]));
    let rotated = v.rotate_key("acme", &info.id).unwrap();
    assert!(matches!(v.verify_key(&k.key), Err(VaultError::Revoked(_))));
    let replacement = v.verify_key(&rotated.key).unwrap();
    assert_eq!(
        (replacement.role, &replacement.attributes),
        (Role::Admin, &attrs),
        "rotation keeps role and attributes"
    );
    for bad in [attributes(&[("", "x")]), attributes(&[("bad name", "x")]), attributes(&[("ok", &"x".repeat(257))])] {
        assert!(matches!(v.issue_key("acme", "ann", Role::Member, None, &bad), Err(VaultError::Invalid(_))), "{bad:?}");
    }
    let expired =
        v.issue_key("acme", "bob", Role::Member, Some(Duration::from_millis(1)), &Default::default()).unwrap();
    std::thread::sleep(Duration::from_millis(5));
    assert!(matches!(v.verify_key(&expired.key), Err(VaultError::Revoked(m)) if m.contains("expired")));
    assert!(matches!(v.revoke_key("acme", "nope"), Err(VaultError::NotFound(_))));
}

#[test]
fn bad_input_gives_errors_that_say_which() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.db");
    let v = Vault::open(&path, &[key(1)]).unwrap();
    v.put("acme", "x", Scope::Tenant, Delivery::Proxied, b"secret").unwrap();
    drop(v);
    let e = Vault::open(&path, &[key(2)]).unwrap_err();
    assert!(matches!(e, VaultError::WrongMasterKey { .. }), "{e}");
    assert!(matches!(Vault::open(&path, &[]), Err(VaultError::MasterKey(_))));
    // Corrupted ciphertext.
    let db = rusqlite::Connection::open(&path).unwrap();
    let flip = |table: &str, column: &str| {
        let mut b: Vec<u8> = db.query_row(&format!("SELECT {column} FROM {table}"), [], |r| r.get(0)).unwrap();
        b[0] ^= 1;
        db.execute(&format!("UPDATE {table} SET {column} = ?1"), [b]).unwrap();
    };
    flip("secrets", "ct");
    let v = Vault::open(&path, &[key(1)]).unwrap();
    assert!(matches!(v.use_proxied(&Accessor::tenant("acme"), "x", |_| ()), Err(VaultError::Corrupt { .. })));
    // A corrupted wrapped data key.
    flip("secrets", "ct");
    flip("deks", "wrapped");
    let v = Vault::open(&path, &[key(1)]).unwrap();
    assert!(
        matches!(v.use_proxied(&Accessor::tenant("acme"), "x", |_| ()), Err(VaultError::Corrupt { what }) if what.contains("data key"))
    );
    drop(v);
    drop(db);
    // Locked: another connection holds a write transaction.
    let locker = rusqlite::Connection::open(&path).unwrap();
    locker.execute_batch("BEGIN IMMEDIATE; INSERT INTO meta(k, v) VALUES ('x', 'y');").unwrap();
    let v = Vault::open(&path, &[key(1)]).unwrap();
    let e = v.put("acme", "y", Scope::Tenant, Delivery::Proxied, b"v").unwrap_err();
    assert!(e.to_string().contains("locked"), "{e}");
    locker.execute_batch("ROLLBACK").unwrap();
    drop(v);
    drop(locker);
    // Not a database, and a truncated one.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"this is not a database at all, just some bytes of text......").unwrap();
    let e = Vault::open(&junk, &[key(1)]).unwrap_err();
    assert!(e.to_string().contains("not a vault"), "{e}");
    let truncated = dir.path().join("truncated.db");
    let big = Vault::open(&truncated, &[key(1)]).unwrap();
    for i in 0..200 {
        big.put("acme", &format!("s{i}"), Scope::Tenant, Delivery::Proxied, &[7u8; 300]).unwrap();
    }
    drop(big);
    let _ = std::fs::remove_file(dir.path().join("truncated.db-wal"));
    let len = std::fs::metadata(&truncated).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&truncated).unwrap();
    f.set_len(len / 3).unwrap();
    let r = Vault::open(&truncated, &[key(1)]).and_then(|v| v.list(&Accessor::tenant("acme")).map(|l| l.len()));
    match r {
        Err(e) => assert!(e.to_string().contains("vault store"), "{e}"),
        Ok(n) => panic!("a truncated store read as {n} secrets"),
    }
    assert!(matches!(MasterKey::from_hex("not hex"), Err(VaultError::MasterKey(_))));
}

/// The child half of the rotation crash test: rotates until killed.
#[test]
fn rotation_child() {
    let Ok(path) = std::env::var("DLPJET_VAULT_ROTATE_DB") else { return };
    let v = Vault::open(&path, &[key(2), key(1)]).unwrap();
    v.rotate().unwrap();
    println!("done");
}

/// A master key rotation killed at random points: every secret stays readable with both keys,
/// rotating again finishes, and then the new key alone opens the vault and the old one does not.
#[test]
fn rotation_survives_kill_9_at_any_step() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.db");
    let v = Vault::open(&path, &[key(1)]).unwrap().with_dek_limit(1);
    for i in 0..400 {
        v.put("acme", &format!("s{i}"), Scope::Tenant, Delivery::Proxied, format!("value-{i}").as_bytes()).unwrap();
    }
    drop(v);
    let exe = std::env::current_exe().unwrap();
    let mut rng = 0x9e37_79b9_u64;
    let mut finished = false;
    for _ in 0..25 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let mut child = Command::new(&exe)
            .args(["--exact", "rotation_child", "--nocapture", "--test-threads", "1"])
            .env("DLPJET_VAULT_ROTATE_DB", &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(1000 + rng % 40_000));
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        finished |= String::from_utf8_lossy(&out.stdout).contains("done");
        // Mid-rotation, readers with both keys see every secret.
        let both = Vault::open(&path, &[key(2), key(1)]).unwrap();
        for i in (0..400).step_by(37) {
            let got = both.use_proxied(&Accessor::tenant("acme"), &format!("s{i}"), |k| k.to_vec()).unwrap();
            assert_eq!(got, format!("value-{i}").as_bytes());
        }
        if finished {
            break;
        }
    }
    let both = Vault::open(&path, &[key(2), key(1)]).unwrap();
    both.rotate().unwrap();
    drop(both);
    let new = Vault::open(&path, &[key(2)]).unwrap();
    for i in 0..400 {
        assert_eq!(
            new.use_proxied(&Accessor::tenant("acme"), &format!("s{i}"), |k| k.to_vec()).unwrap(),
            format!("value-{i}").as_bytes()
        );
    }
    assert!(matches!(Vault::open(&path, &[key(1)]), Err(VaultError::WrongMasterKey { .. })));
}

/// The whole lifecycle with canary values; no byte of any file the vault wrote holds one.
#[test]
fn no_plaintext_at_rest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.db");
    let canaries = ["CANARY-provider-7f3a9c", "CANARY-injected-b81e20", "CANARY-rotated-55d0e1"];
    let mut issued = Vec::new();
    {
        let v = Vault::open(&path, &[key(1)]).unwrap().with_dek_limit(2);
        v.put("acme", "openai", Scope::Tenant, Delivery::Proxied, canaries[0].as_bytes()).unwrap();
        v.put("acme", "db", Scope::User("ann".into()), Delivery::Injected, canaries[1].as_bytes()).unwrap();
        v.use_proxied(&Accessor::tenant("acme"), "openai", |k| assert_eq!(k, canaries[0].as_bytes())).unwrap();
        let l = v.lease(&Accessor::user("acme", "ann"), "db", "ann", Duration::from_secs(60)).unwrap();
        assert_eq!(&v.read_lease(&l.id).unwrap()[..], canaries[1].as_bytes());
        v.put("acme", "openai", Scope::Tenant, Delivery::Proxied, canaries[2].as_bytes()).unwrap();
        let k = v.issue_key("acme", "ann", Role::Member, None, &Default::default()).unwrap();
        v.verify_key(&k.key).unwrap();
        issued.push(k.key.to_string());
        let k2 = v.rotate_key("acme", &k.info.id).unwrap();
        issued.push(k2.key.to_string());
        v.revoke_secret("acme", "db").unwrap();
        // A crash: the connection is dropped without a checkpoint of the WAL.
        std::mem::forget(v);
    }
    {
        let v = Vault::open(&path, &[key(3), key(1)]).unwrap();
        v.rotate().unwrap();
        assert_eq!(v.use_proxied(&Accessor::tenant("acme"), "openai", |k| k.to_vec()).unwrap(), canaries[2].as_bytes());
    }
    let mut bytes = Vec::new();
    for f in std::fs::read_dir(dir.path()).unwrap() {
        bytes.extend(std::fs::read(f.unwrap().path()).unwrap());
    }
    assert!(bytes.len() > 4096);
    for c in canaries.iter().map(|c| c.to_string()).chain(issued) {
        assert!(!bytes.windows(c.len()).any(|w| w == c.as_bytes()), "{c} is in the files");
    }
    // The master key is not stored either.
    let mk = key(3).to_hex();
    assert!(!bytes.windows(16).any(|w| w == &mk.as_bytes()[..16]));
}

/// A new SQLite store, and the WAL and shared-memory files SQLite makes beside it, are
/// readable by their owner only.
#[cfg(unix)]
#[test]
fn a_new_store_and_its_wal_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("vault.db");
    let v = Vault::open(&path, &[key(7)]).unwrap();
    v.put("acme", "db", Scope::Tenant, Delivery::Proxied, b"pg-canary").unwrap();
    let mut seen = 0;
    for e in std::fs::read_dir(d.path()).unwrap() {
        let e = e.unwrap();
        let mode = e.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}: {mode:o}", e.file_name().to_string_lossy());
        seen += 1;
    }
    assert!(seen >= 2, "the WAL was not there to check");
}

/// Revoking a secret names its scope: tenant-wide, one user's, or every scope.
#[test]
fn revoking_a_secret_in_one_scope_leaves_the_others() {
    let d = tempfile::tempdir().unwrap();
    let v = Vault::open(d.path().join("vault.db"), &[key(7)]).unwrap();
    v.put("acme", "db", Scope::Tenant, Delivery::Proxied, b"tenant-canary").unwrap();
    v.put("acme", "db", Scope::User("ann".into()), Delivery::Proxied, b"ann-canary").unwrap();
    v.put("acme", "db", Scope::User("bob".into()), Delivery::Proxied, b"bob-canary").unwrap();
    assert_eq!(
        v.secret_scopes("acme", "db").unwrap(),
        [Scope::Tenant, Scope::User("ann".into()), Scope::User("bob".into())]
    );
    assert_eq!(v.revoke_secret_in("acme", "db", &Scope::User("ann".into())).unwrap(), 1);
    assert_eq!(v.secret_scopes("acme", "db").unwrap(), [Scope::Tenant, Scope::User("bob".into())]);
    assert_eq!(v.revoke_secret_in("acme", "db", &Scope::Tenant).unwrap(), 1);
    assert_eq!(v.secret_scopes("acme", "db").unwrap(), [Scope::User("bob".into())]);
    assert_eq!(v.revoke_secret("acme", "db").unwrap(), 1);
    assert!(v.secret_scopes("acme", "db").unwrap().is_empty());
}

/// `create` makes a new store and refuses an existing one; `open_existing` refuses a missing
/// one and leaves nothing behind.
#[test]
fn create_and_open_existing_mean_what_they_say() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("vault.db");
    let typo = d.path().join("vaultt.db");
    assert!(matches!(Vault::open_existing(&typo, &[key(7)]), Err(VaultError::Store { .. })));
    assert!(!typo.exists());
    let v = Vault::create(&path, &[key(7)]).unwrap();
    v.put("acme", "db", Scope::Tenant, Delivery::Proxied, b"pg-canary").unwrap();
    drop(v);
    let e = Vault::create(&path, &[key(7)]).unwrap_err().to_string();
    assert!(e.contains("already exists"), "{e}");
    let v = Vault::open_existing(&path, &[key(7)]).unwrap();
    assert_eq!(v.secret_scopes("acme", "db").unwrap(), [Scope::Tenant]);
}
