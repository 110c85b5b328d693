//! Rate limits and budgets counted in a real Redis by several gateway instances at once (each
//! with a connection of its own, as separate processes would have).

#[path = "support/redis.rs"]
mod redis_server;
#[path = "../../vault/tests/support/tied.rs"]
mod tied;

use dlpjet_gateway::config::{Budgets as BudgetConfig, Period, Rate, RateLimits, SharedConfig};
use dlpjet_gateway::limits::budget::{Budgets, Refused};
use dlpjet_gateway::limits::ratelimit::{self, RateLimiter, Scope};
use dlpjet_gateway::limits::shared::Shared;
use redis_server::RedisServer;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

static PREFIXES: AtomicUsize = AtomicUsize::new(0);

/// `n` connections ("instances") to the test server under a prefix of this test's own.
async fn instances(n: usize, hold_ttl_secs: u64) -> Option<Vec<Arc<Shared>>> {
    let server = RedisServer::get()?;
    let config = SharedConfig {
        redis: server.url(0),
        prefix: format!("t{}-{}", std::process::id(), PREFIXES.fetch_add(1, Ordering::Relaxed)),
        hold_ttl_secs,
    };
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(Arc::new(Shared::connect(&config).await.unwrap()));
    }
    Some(out)
}

fn limiter(limits: RateLimits, shared: &Arc<Shared>) -> RateLimiter {
    let mut l = RateLimiter::new(limits);
    l.share(shared.clone());
    l
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_holds_across_instances() {
    let Some(shared) = instances(3, 900).await else { return };
    let per_ip = Rate { requests_per_minute: 6, burst: Some(5) };
    let limits = RateLimits { per_ip: Some(per_ip), ..RateLimits::default() };
    let limiters: Vec<Arc<RateLimiter>> = shared.iter().map(|s| Arc::new(limiter(limits.clone(), s))).collect();
    // 30 requests from one address spread over three instances, all at once: the burst passes.
    let mut tasks = Vec::new();
    for i in 0..30 {
        let l = limiters[i % 3].clone();
        tasks.push(tokio::spawn(async move { l.admit_ip("203.0.113.7").await }));
    }
    let mut passed = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => passed += 1,
            Err(ratelimit::Refused::Limited(l)) => {
                assert_eq!(l.scope, Scope::Ip);
                assert!(l.retry_after > Duration::ZERO && l.retry_after <= Duration::from_secs(10), "{l:?}");
            }
            Err(ratelimit::Refused::Unavailable(e)) => panic!("{e}"),
        }
    }
    assert_eq!(passed, 5);
    // Another address has its own bucket.
    assert!(limiters[1].admit_ip("203.0.113.8").await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_takes_from_every_bucket_or_from_none() {
    let Some(shared) = instances(2, 900).await else { return };
    let limits = RateLimits {
        per_key: Some(Rate { requests_per_minute: 60, burst: Some(3) }),
        per_tenant: Some(Rate { requests_per_minute: 1, burst: Some(2) }),
        ..RateLimits::default()
    };
    let (a, b) = (limiter(limits.clone(), &shared[0]), limiter(limits, &shared[1]));
    assert!(a.admit_caller("k1", None, "acme", "ann").await.is_ok());
    assert!(b.admit_caller("k2", None, "acme", "bob").await.is_ok());
    // The tenant's two are used (across instances): refused at the tenant...
    match a.admit_caller("k1", None, "acme", "ann").await {
        Err(ratelimit::Refused::Limited(l)) => assert_eq!(l.scope, Scope::Tenant),
        other => panic!("{other:?}"),
    }
    // ...and that refusal took nothing from the key: key k1 (used under another tenant now)
    // still has two of its three, then it is empty.
    assert!(b.admit_caller("k1", None, "globex", "ann").await.is_ok());
    assert!(b.admit_caller("k1", None, "globex", "ann").await.is_ok());
    match b.admit_caller("k1", None, "initech", "ann").await {
        Err(ratelimit::Refused::Limited(l)) => assert_eq!(l.scope, Scope::Key),
        other => panic!("{other:?}"),
    }
}

fn budget_config(cap: f64) -> BudgetConfig {
    BudgetConfig {
        period: Period::Day,
        tenants: [("acme".to_string(), cap)].into_iter().collect(),
        ..BudgetConfig::default()
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_micros() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_hammered_by_three_instances_is_not_overshot() {
    let Some(shared) = instances(3, 900).await else { return };
    let budgets: Vec<Arc<Budgets>> =
        shared.iter().map(|s| Arc::new(Budgets::counted_in(budget_config(10.0), s.clone()))).collect();
    // 60 requests of estimate 1.0 at once, none settled yet: exactly 10 holds fit.
    let mut tasks = Vec::new();
    for i in 0..60 {
        let b = budgets[i % 3].clone();
        tasks.push(tokio::spawn(async move { b.reserve("acme", &format!("key{i}"), None, 1.0, now()).await }));
    }
    let mut holds = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(h) => holds.push(h),
            Err(Refused::Exceeded(e)) => assert_eq!((e.scope, e.limit), ("tenant", 10.0)),
            Err(Refused::Unavailable(e)) => panic!("{e}"),
        }
    }
    assert_eq!(holds.len(), 10);
    // Each settles at 0.5: the spend is 5.0, seen by every instance, and 5 more fit. Half
    // are settled before `settle_now` returns, half in the background.
    let window = dlpjet_gateway::limits::budget::window_start(Period::Day, now());
    for h in holds.drain(..5) {
        h.settle_now(0.5).await;
    }
    assert!((shared[1].spent(window, "tenant:acme").await.unwrap() - 2.5).abs() < 1e-9);
    for h in holds.drain(..) {
        h.settle(0.5);
    }
    let mut spent = 0.0;
    for _ in 0..100 {
        spent = shared[2].spent(window, "tenant:acme").await.unwrap();
        if spent >= 5.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!((spent - 5.0).abs() < 1e-9, "{spent}");
    let mut more = Vec::new();
    for i in 0..8 {
        if let Ok(h) = budgets[i % 3].reserve("acme", "k", None, 1.0, now()).await {
            more.push(h);
        }
    }
    assert_eq!(more.len(), 5);
    // A key's own cap, on top of the tenant's.
    let b = &budgets[0];
    assert!(
        matches!(b.reserve("globex", "capped", Some(0.5), 1.0, now()).await, Err(Refused::Exceeded(e)) if e.scope == "key")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holds_of_an_instance_that_died_expire() {
    let Some(shared) = instances(2, 1).await else { return };
    let dead = Arc::new(Budgets::counted_in(budget_config(2.0), shared[0].clone()));
    let alive = Arc::new(Budgets::counted_in(budget_config(2.0), shared[1].clone()));
    // The instance holding these "dies": its holds are never settled or released.
    std::mem::forget(dead.reserve("acme", "k", None, 2.0, now()).await.unwrap());
    assert!(matches!(alive.reserve("acme", "k", None, 1.0, now()).await, Err(Refused::Exceeded(_))));
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert!(alive.reserve("acme", "k", None, 1.0, now()).await.is_ok(), "the dead instance's hold expired");
}

#[tokio::test]
async fn an_unreachable_store_is_named() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config =
        SharedConfig { redis: format!("redis://:hunter2@127.0.0.1:{port}/0"), prefix: "x".into(), hold_ttl_secs: 9 };
    let e = Shared::connect(&config).await.unwrap_err().to_string();
    assert!(e.starts_with(&format!("shared state at redis://:***@127.0.0.1:{port}/0:")), "{e}");
    assert!(!e.contains("hunter2"));
}
