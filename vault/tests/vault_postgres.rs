//! The vault on PostgreSQL (feature `postgres`), against a real server: the same records
//! as on SQLite, shared by several vaults (as several gateway instances share it), revocation
//! seen by the others at once (API keys within the cache time), concurrent writers, master key
//! rotation, and a database that holds no plaintext secret or key.

#[path = "support/pg.rs"]
mod pg;
#[path = "support/tied.rs"]
mod tied;

use dlpjet_vault::{Accessor, Delivery, MasterKey, Role, Scope, Vault, VaultError, KEY_CACHE_TTL};
use pg::PgServer;
use std::time::{Duration, Instant};

fn key(b: u8) -> MasterKey {
    MasterKey::from_bytes([b; 32])
}

/// A fresh database, or `None` (the test then returns) where no server can run.
fn database() -> Option<String> {
    PgServer::get().map(PgServer::database)
}

#[test]
fn secrets_keys_and_leases_work_as_on_sqlite() {
    let Some(db) = database() else { return };
    let v = Vault::open_postgres(&db, &[key(1)]).unwrap();
    assert!(v.is_remote() && v.location().starts_with("postgres://dlpjet@127.0.0.1:"), "{}", v.location());
    assert_eq!(v.put("acme", "openai", Scope::Tenant, Delivery::Proxied, b"sk-acme-provider").unwrap(), 1);
    assert_eq!(v.put("acme", "openai", Scope::Tenant, Delivery::Proxied, b"sk-acme-provider-2").unwrap(), 2);
    v.put("acme", "github", Scope::User("ann".into()), Delivery::Injected, b"ghp-ann-token").unwrap();
    let acme = Accessor::tenant("acme");
    assert_eq!(v.use_proxied(&acme, "openai", |k| k.to_vec()).unwrap(), b"sk-acme-provider-2");
    assert!(matches!(v.use_proxied(&Accessor::tenant("globex"), "openai", |_| ()), Err(VaultError::NotFound(_))));
    assert!(matches!(v.lease(&acme, "openai", "svc", Duration::from_secs(60)), Err(VaultError::Denied(_))));
    let ann = Accessor::user("acme", "ann");
    let lease = v.lease(&ann, "github", "ann", Duration::from_secs(60)).unwrap();
    assert_eq!(&v.read_lease(&lease.id).unwrap()[..], b"ghp-ann-token");
    let listed: Vec<(String, u32)> = v.list(&ann).unwrap().into_iter().map(|s| (s.id, s.version)).collect();
    assert_eq!(listed, [("github".to_string(), 1), ("openai".to_string(), 2)]);
    assert_eq!(v.list(&acme).unwrap().len(), 1, "the tenant's services do not see a user's secret");
    assert!(v.revoke_lease(&lease.id).unwrap());
    assert!(matches!(v.read_lease(&lease.id), Err(VaultError::Revoked(_))));

    let attrs: std::collections::BTreeMap<String, String> =
        [("budget", "25"), ("rate_limit", "60")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let k = v.issue_key("acme", "ann", Role::Admin, None, &attrs).unwrap();
    let info = v.verify_key(&k.key).unwrap();
    assert_eq!((info.role, &info.attributes), (Role::Admin, &attrs));
    assert_eq!(v.list_keys("acme", Some("ann")).unwrap().len(), 1);
    let rotated = v.rotate_key("acme", &info.id).unwrap();
    assert!(matches!(v.verify_key(&k.key), Err(VaultError::Revoked(_))));
    assert_eq!(v.verify_key(&rotated.key).unwrap().user, "ann");
    v.revoke_all("acme", Some("ann")).unwrap();
    assert!(matches!(v.verify_key(&rotated.key), Err(VaultError::Revoked(_))));
    assert!(matches!(v.lease(&ann, "github", "ann", Duration::from_secs(60)), Err(VaultError::Revoked(_))));
    assert_eq!(v.use_proxied(&acme, "openai", |k| k.len()).unwrap(), 18, "the tenant's secret is not the user's");
}

#[test]
fn revocation_by_one_instance_holds_for_the_others() {
    let Some(db) = database() else { return };
    let instances: Vec<Vault> = (0..3).map(|_| Vault::open_postgres(&db, &[key(1)]).unwrap()).collect();
    instances[0].put("acme", "openai", Scope::Tenant, Delivery::Proxied, b"sk-live").unwrap();
    let k = instances[0].issue_key("acme", "bob", Role::Member, None, &Default::default()).unwrap();
    let acme = Accessor::tenant("acme");
    for v in &instances {
        assert_eq!(v.use_proxied(&acme, "openai", |k| k.to_vec()).unwrap(), b"sk-live");
        assert_eq!(v.verify_key(&k.key).unwrap().user, "bob");
    }
    // Each instance now keeps the sealed row for a moment (what the gateway reads first).
    for v in &instances {
        assert_eq!(v.use_proxied_cached(&acme, "openai", |k| k.to_vec()).unwrap().unwrap(), b"sk-live");
    }
    // A secret: a read from the database sees a revocation at once; the kept rows within the
    // cache time, and at once where it was made.
    let revoked_at = Instant::now();
    instances[2].revoke_secret("acme", "openai").unwrap();
    assert!(instances[2].use_proxied_cached(&acme, "openai", |_| ()).is_none());
    assert!(matches!(instances[1].use_proxied(&acme, "openai", |_| ()), Err(VaultError::Revoked(_))));
    // Instance 0 is not asked the database: its kept row expires.
    while let Some(Ok(())) = instances[0].use_proxied_cached(&acme, "openai", |_| ()) {
        assert!(revoked_at.elapsed() <= KEY_CACHE_TTL + Duration::from_millis(100), "still released");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(instances[0].use_proxied_cached(&acme, "openai", |_| ()).is_none(), "expired, not kept revoked");
    assert!(matches!(instances[0].use_proxied(&acme, "openai", |_| ()), Err(VaultError::Revoked(_))));
    // An API key: within the verification cache's time, on every instance.
    let revoked_at = Instant::now();
    instances[1].revoke_key("acme", &k.info.id).unwrap();
    assert!(matches!(instances[1].verify_key(&k.key), Err(VaultError::Revoked(_))), "at once where revoked");
    for v in [&instances[0], &instances[2]] {
        while v.verify_key(&k.key).is_ok() {
            assert!(revoked_at.elapsed() <= KEY_CACHE_TTL + Duration::from_millis(100), "still accepted");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    assert!(KEY_CACHE_TTL < Duration::from_secs(1));
}

#[test]
fn concurrent_writers_from_several_instances_lose_nothing() {
    let Some(db) = database() else { return };
    // A small data-key limit so that writers also race to start new data keys.
    let instances: Vec<Vault> =
        (0..4).map(|_| Vault::open_postgres(&db, &[key(1)]).unwrap().with_dek_limit(7)).collect();
    let versions = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for (i, v) in instances.iter().enumerate() {
            let versions = &versions;
            s.spawn(move || {
                for j in 0..25 {
                    let value = format!("value-{i}-{j}");
                    let n = v.put("acme", "shared", Scope::Tenant, Delivery::Proxied, value.as_bytes()).unwrap();
                    versions.lock().unwrap().push(n);
                }
            });
        }
    });
    let mut versions = versions.into_inner().unwrap();
    versions.sort();
    assert_eq!(versions, (1..=100).collect::<Vec<u32>>(), "every put got a version of its own");
    let newest = instances[3].use_proxied(&Accessor::tenant("acme"), "shared", |k| k.to_vec()).unwrap();
    assert!(newest.starts_with(b"value-"));
}

#[test]
fn master_key_rotation_and_wrong_keys() {
    let Some(db) = database() else { return };
    let v = Vault::open_postgres(&db, &[key(1)]).unwrap().with_dek_limit(3);
    for i in 0..10 {
        v.put("acme", &format!("s{i}"), Scope::Tenant, Delivery::Proxied, format!("v{i}").as_bytes()).unwrap();
    }
    drop(v);
    assert!(matches!(Vault::open_postgres(&db, &[key(2)]), Err(VaultError::WrongMasterKey { .. })));
    let both = Vault::open_postgres(&db, &[key(2), key(1)]).unwrap();
    let r = both.rotate().unwrap();
    assert_eq!(r.rewrapped, 4);
    drop(both);
    assert!(matches!(Vault::open_postgres(&db, &[key(1)]), Err(VaultError::WrongMasterKey { .. })));
    let new = Vault::open_postgres(&db, &[key(2)]).unwrap();
    for i in 0..10 {
        let got = new.use_proxied(&Accessor::tenant("acme"), &format!("s{i}"), |k| k.to_vec()).unwrap();
        assert_eq!(got, format!("v{i}").into_bytes());
    }
}

#[test]
fn the_database_holds_no_plaintext_secret_or_key() {
    let Some(db) = database() else { return };
    let v = Vault::open_postgres(&db, &[key(1)]).unwrap();
    let secret = b"sk-proj-DO-NOT-LEAK-4f8a9c2e";
    v.put("acme", "openai", Scope::Tenant, Delivery::Proxied, secret).unwrap();
    let k = v.issue_key("acme", "ann", Role::Member, None, &Default::default()).unwrap();
    let mut c = postgres::Client::connect(&db, postgres::NoTls).unwrap();
    let mut dump = Vec::new();
    for table in ["meta", "deks", "secrets", "leases", "api_keys"] {
        for row in c.query(&format!("SELECT t::text FROM {table} t"), &[]).unwrap() {
            dump.extend_from_slice(row.get::<_, String>(0).as_bytes());
        }
        for row in c.query(&format!("SELECT encode(convert_to(t::text, 'UTF8'), 'hex') FROM {table} t"), &[]).unwrap() {
            dump.extend_from_slice(row.get::<_, String>(0).as_bytes());
        }
    }
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let contains = |needle: &[u8]| dump.windows(needle.len()).any(|w| w == needle);
    assert!(!dump.is_empty());
    assert!(!contains(&secret[..]) && !contains(hex(&secret[..]).as_bytes()), "a secret in plaintext");
    let key_secret = &k.key.as_bytes()[24..];
    assert!(!contains(key_secret) && !contains(hex(key_secret).as_bytes()), "an API key in plaintext");
    assert!(!contains(hex(&[1u8; 32]).as_bytes()), "the master key");
}

#[test]
fn connection_problems_are_named() {
    let Some(server) = PgServer::get() else { return };
    let e = Vault::open_postgres("host=127.0.0.1 port=1 user=x dbname=y connect_timeout=2", &[key(1)]).unwrap_err();
    assert!(e.to_string().starts_with("vault store postgres://x@127.0.0.1:1/y:"), "{e}");
    let e = Vault::open_postgres(&server.conninfo("no_such_database"), &[key(1)]).unwrap_err();
    assert!(e.to_string().contains("no_such_database"), "{e}");
    let e = Vault::open_postgres("postgresql://[bad", &[key(1)]).unwrap_err();
    assert!(e.to_string().contains("connection string"), "{e}");
    let e = Vault::open_at(&format!("postgresql://dlpjet@127.0.0.1:{}/postgres", server.port()), &[]).unwrap_err();
    assert!(matches!(e, VaultError::MasterKey(_)));
}
