//! Key vault latencies: a proxied secret's read (select + decrypt, with the data key cached)
//! and an API key's verification (warm cache; and cold, from the store), N times each on one
//! thread. Prints p50, p99 and max.
//!
//!   vaultbench [N]

use dlpjet_vault::{Accessor, Delivery, MasterKey, Role, Scope, Vault};
use std::time::{Duration, Instant};

fn report(name: &str, mut t: Vec<Duration>) {
    t.sort();
    let q = |p: f64| t[((t.len() - 1) as f64 * p) as usize].as_secs_f64() * 1e6;
    println!("{name}: p50 {:.2} µs, p99 {:.2} µs, max {:.1} µs ({} samples)", q(0.5), q(0.99), q(1.0), t.len());
}

fn main() {
    let n: usize = std::env::args().nth(1).map_or(100_000, |a| a.parse().expect("N"));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let v = Vault::open(dir.path().join("vault.db"), &[MasterKey::from_bytes([9; 32])]).expect("open");
    for i in 0..1000 {
        v.put(
            "acme",
            &format!("provider-{i}"),
            Scope::Tenant,
            Delivery::Proxied,
            b"sk-live-0123456789abcdefghijklmnop",
        )
        .unwrap();
    }
    let keys: Vec<String> = (0..1000)
        .map(|i| {
            v.issue_key("acme", &format!("user{i}"), Role::Member, None, &Default::default()).unwrap().key.to_string()
        })
        .collect();
    let who = Accessor::tenant("acme");
    let mut reads = Vec::with_capacity(n);
    for i in 0..n {
        let id = format!("provider-{}", i % 1000);
        let t = Instant::now();
        let len = v.use_proxied(&who, &id, |k| k.len()).unwrap();
        reads.push(t.elapsed());
        assert_eq!(len, 34);
    }
    report("secret read (proxied, decrypt)", reads);
    // Warm: every key verified once, then measured within the cache lifetime.
    for k in &keys {
        v.verify_key(k).unwrap();
    }
    let mut warm = Vec::with_capacity(n);
    let start = Instant::now();
    for i in 0..n {
        if start.elapsed() > Duration::from_millis(400) {
            break; // stay inside the 500 ms cache lifetime
        }
        let t = Instant::now();
        v.verify_key(&keys[i % keys.len()]).unwrap();
        warm.push(t.elapsed());
    }
    report("API key verification, warm cache", warm);
    std::thread::sleep(dlpjet_vault::KEY_CACHE_TTL);
    let mut cold = Vec::with_capacity(keys.len());
    for k in &keys {
        let t = Instant::now();
        v.verify_key(k).unwrap();
        cold.push(t.elapsed());
    }
    report("API key verification, cold (from the store)", cold);
}
