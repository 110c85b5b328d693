//! Spending caps per tenant and per API key.
//!
//! Before a request is sent, what it may cost is estimated (its size in tokens, at most, plus
//! the output it asks for) and held against every cap it falls under; a request whose hold
//! would take spend past a cap is refused. When the answer's usage is known the hold is
//! replaced by the metered cost. Concurrent requests therefore overshoot a cap by no more than
//! one request's underestimate.
//!
//! Spend is counted from the audit log, which has every request's metered cost: at start the
//! gateway sums the records of the current window, so a restart does not reset a budget.
//! Several instances count in one Redis instead ([`crate::limits::shared`]); the spend is then kept
//! there (make Redis durable, with AOF, for budgets to survive its restarts).

use crate::audit_record::GatewayRecord;
use crate::config::{Budgets as BudgetConfig, Period};
use crate::limits::shared::{Shared, SharedError};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A cap that a request would take past its limit.
#[derive(Clone, Debug, PartialEq)]
pub struct Exceeded {
    /// `"tenant"` or `"key"`.
    pub scope: &'static str,
    /// The cap.
    pub limit: f64,
    /// Its window.
    pub period: Period,
}

#[derive(Debug, Default)]
struct State {
    /// Start of the current window, microseconds since the epoch.
    window: i64,
    /// Metered spend in the window, per scope (`tenant:NAME`, `key:ID`).
    spent: HashMap<String, f64>,
    /// Estimates of requests in flight, per scope.
    held: HashMap<String, f64>,
}

/// Why a request was not admitted.
#[derive(Debug)]
pub enum Refused {
    /// It would pass a cap.
    Exceeded(Exceeded),
    /// The shared store could not be asked.
    Unavailable(SharedError),
}

/// The gateway's budgets.
#[derive(Debug)]
pub struct Budgets {
    config: arc_swap::ArcSwap<BudgetConfig>,
    state: Mutex<State>,
    shared: Option<Arc<Shared>>,
    /// Makes hold ids unique in the shared store: random per process, then a counter.
    hold_ids: (u64, AtomicU64),
}

/// An estimate held against the caps until the request's cost is known. Dropping it without
/// [`Hold::settle`] releases the estimate and records no spend (the request never reached a
/// provider, or reached none that reported usage).
#[derive(Debug)]
pub struct Hold {
    owner: Arc<Budgets>,
    scopes: [String; 2],
    estimate: f64,
    cost: f64,
    /// In the shared store: the window and the hold's id there.
    shared: Option<(i64, String)>,
}

impl Hold {
    /// Replaces the estimate by the metered cost (in the shared store, in the background).
    pub fn settle(mut self, cost: f64) {
        self.cost = cost;
    }

    /// [`Hold::settle`], returning once the shared store has the cost (so that none is lost
    /// when the gateway stops right after).
    pub async fn settle_now(mut self, cost: f64) {
        match (self.shared.take(), self.owner.shared.clone()) {
            (Some((window, id)), Some(shared)) => {
                settle_shared(&self.owner, &shared, window, &id, &self.scopes, cost).await;
            }
            _ => self.settle(cost),
        }
    }
}

/// Settles a hold in the shared store; a failure is said on stderr (the hold then expires).
async fn settle_shared(owner: &Budgets, shared: &Shared, window: i64, id: &str, scopes: &[String], cost: f64) {
    let period = owner.config.load().period;
    if let Err(e) = shared.settle(period, window, id, scopes, cost).await {
        eprintln!("dlpjet gateway: a budget hold could not be settled ({cost} not counted): {e}");
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        if let Some(shared) = self.owner.shared.clone() {
            // Not settled yet (`settle_now` takes the id): settled in the background; outside a
            // runtime (never in the gateway) the hold expires by itself.
            if let (Some((window, id)), Ok(rt)) = (self.shared.take(), tokio::runtime::Handle::try_current()) {
                let (owner, scopes, cost) = (self.owner.clone(), self.scopes.clone(), self.cost);
                rt.spawn(async move { settle_shared(&owner, &shared, window, &id, &scopes, cost).await });
            }
            return;
        }
        let mut s = self.owner.lock();
        for scope in &self.scopes {
            if let Some(h) = s.held.get_mut(scope) {
                *h = (*h - self.estimate).max(0.0);
            }
            *s.spent.entry(scope.clone()).or_default() += self.cost;
        }
    }
}

impl Budgets {
    /// Budgets as configured, with the spend of the current window read from the audit log in
    /// `audit_dir` (none when there is no log yet).
    ///
    /// # Errors
    /// The log cannot be read.
    pub fn load(config: BudgetConfig, audit_dir: Option<&Path>, now_micros: i64) -> Result<Budgets, String> {
        let window = window_start(config.period, now_micros);
        let mut spent: HashMap<String, f64> = HashMap::new();
        if let Some(dir) = audit_dir.filter(|d| d.exists()) {
            let filter = dlpjet_audit::Filter { since: Some(window), ..Default::default() };
            dlpjet_audit::query(dir, &filter, |_, e, _| {
                // A record whose gateway section does not read counts nothing, as one without.
                if let Some(cost) = GatewayRecord::of(e).and_then(Result::ok).and_then(|g| g.cost) {
                    *spent.entry(format!("tenant:{}", e.tenant)).or_default() += cost;
                    if let Some(actor) = &e.actor {
                        *spent.entry(actor.clone()).or_default() += cost;
                    }
                }
                Ok(())
            })
            .map_err(|e| format!("cannot count spend from the audit log: {e}"))?;
        }
        Ok(Budgets {
            config: arc_swap::ArcSwap::from_pointee(config),
            state: Mutex::new(State { window, spent, held: HashMap::new() }),
            shared: None,
            hold_ids: (random_u64(), AtomicU64::new(0)),
        })
    }

    /// Budgets counted in `shared` (several instances, one count): the spend is Redis's, not
    /// this process's (nothing is read from the audit log).
    pub fn counted_in(config: BudgetConfig, shared: Arc<Shared>) -> Budgets {
        Budgets {
            config: arc_swap::ArcSwap::from_pointee(config),
            state: Mutex::new(State::default()),
            shared: Some(shared),
            hold_ids: (random_u64(), AtomicU64::new(0)),
        }
    }

    /// [`Budgets::hold`], in the shared store when there is one.
    ///
    /// # Errors
    /// A cap would be passed, or the shared store could not be asked; nothing is held.
    pub async fn reserve(
        self: &Arc<Self>,
        tenant: &str,
        key_id: &str,
        key_cap: Option<f64>,
        estimate: f64,
        now_micros: i64,
    ) -> Result<Hold, Refused> {
        let Some(shared) = &self.shared else {
            return self.hold(tenant, key_id, key_cap, estimate, now_micros).map_err(Refused::Exceeded);
        };
        let config = self.config.load();
        let window = window_start(config.period, now_micros);
        let (scopes, caps) = scopes_and_caps(&config, tenant, key_id, key_cap);
        let id = format!("{:016x}-{:x}", self.hold_ids.0, self.hold_ids.1.fetch_add(1, Ordering::Relaxed));
        let asked: Vec<(String, Option<f64>)> = scopes.iter().cloned().zip(caps.iter().map(|c| c.1)).collect();
        match shared.hold(config.period, window, &id, &asked, estimate).await {
            Ok(Ok(())) => Ok(Hold { owner: self.clone(), scopes, estimate, cost: 0.0, shared: Some((window, id)) }),
            Ok(Err(i)) => Err(Refused::Exceeded(Exceeded {
                scope: caps[i].0,
                limit: caps[i].1.unwrap_or(0.0),
                period: config.period,
            })),
            Err(e) => Err(Refused::Unavailable(e)),
        }
    }

    /// New caps (a configuration reload); spend and holds stay. The period must not change:
    /// the spend counted so far belongs to the current one.
    pub fn set_config(&self, config: BudgetConfig) {
        self.config.store(Arc::new(config));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Output tokens assumed when a request does not say.
    pub fn default_output_tokens(&self) -> u64 {
        self.config.load().default_output_tokens
    }

    /// Holds `estimate` against the tenant's cap and the key's (`key_cap`, from the vault).
    ///
    /// # Errors
    /// [`Exceeded`] when spend plus holds plus `estimate` would pass a cap; nothing is held.
    pub fn hold(
        self: &Arc<Self>,
        tenant: &str,
        key_id: &str,
        key_cap: Option<f64>,
        estimate: f64,
        now_micros: i64,
    ) -> Result<Hold, Exceeded> {
        let config = self.config.load();
        let (scopes, caps) = scopes_and_caps(&config, tenant, key_id, key_cap);
        let mut s = self.lock();
        let window = window_start(config.period, now_micros);
        if window > s.window {
            s.window = window;
            s.spent.clear();
        }
        for (scope, (name, cap)) in scopes.iter().zip(caps) {
            let Some(limit) = cap else { continue };
            let used = s.spent.get(scope).copied().unwrap_or(0.0) + s.held.get(scope).copied().unwrap_or(0.0);
            if used + estimate > limit {
                return Err(Exceeded { scope: name, limit, period: config.period });
            }
        }
        for scope in &scopes {
            *s.held.entry(scope.clone()).or_default() += estimate;
        }
        drop(s);
        Ok(Hold { owner: self.clone(), scopes, estimate, cost: 0.0, shared: None })
    }

    /// Metered spend of a scope (`tenant:NAME` or `key:ID`) in the current window.
    pub fn spent(&self, scope: &str) -> f64 {
        self.lock().spent.get(scope).copied().unwrap_or(0.0)
    }
}

/// The two scopes a request's cost counts against (`tenant:NAME`, `key:ID`), and their caps by
/// name (`None`: no cap).
fn scopes_and_caps(
    config: &BudgetConfig,
    tenant: &str,
    key_id: &str,
    key_cap: Option<f64>,
) -> ([String; 2], [(&'static str, Option<f64>); 2]) {
    (
        [format!("tenant:{tenant}"), format!("key:{key_id}")],
        [("tenant", config.tenants.get(tenant).copied()), ("key", key_cap)],
    )
}

fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // RandomState is seeded from the system's randomness once per process.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    h.finish()
}

/// The start of the window holding `micros` (UTC).
pub fn window_start(period: Period, micros: i64) -> i64 {
    const DAY: i64 = 86_400_000_000;
    let day = micros.div_euclid(DAY) * DAY;
    match period {
        Period::Total => i64::MIN,
        Period::Day => day,
        // The calendar is the audit log's: the first of the month of the formatted time.
        Period::Month => {
            let t = dlpjet_audit::format_rfc3339(micros);
            t.get(..7).and_then(|ym| dlpjet_audit::parse_rfc3339(&format!("{ym}-01"))).unwrap_or(day)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn budgets(period: Period, cap: f64) -> Arc<Budgets> {
        let config =
            BudgetConfig { period, tenants: BTreeMap::from([("acme".to_string(), cap)]), default_output_tokens: 100 };
        Arc::new(Budgets::load(config, None, 0).unwrap())
    }

    #[test]
    fn windows_start_at_midnight_and_on_the_first() {
        let t = dlpjet_audit::parse_rfc3339("2026-11-23T17:45:43Z").unwrap();
        let day = dlpjet_audit::parse_rfc3339("2026-11-23T00:00:00Z").unwrap();
        let month = dlpjet_audit::parse_rfc3339("2026-11-01T00:00:00Z").unwrap();
        assert_eq!(window_start(Period::Day, t), day);
        assert_eq!(window_start(Period::Month, t), month);
        let march = dlpjet_audit::parse_rfc3339("2024-03-01T00:00:00Z").unwrap();
        let leap = dlpjet_audit::parse_rfc3339("2024-02-29T23:59:59Z").unwrap();
        assert_eq!(window_start(Period::Month, march), march);
        assert_eq!(window_start(Period::Month, leap), dlpjet_audit::parse_rfc3339("2024-02-01T00:00:00Z").unwrap());
        assert_eq!(window_start(Period::Total, t), i64::MIN);
        let new_year = dlpjet_audit::parse_rfc3339("2027-01-01T00:00:00Z").unwrap();
        assert_eq!(window_start(Period::Month, new_year - 1), month + 30 * 86_400_000_000);
        assert_eq!(window_start(Period::Month, new_year), new_year);
    }

    #[test]
    fn holds_count_until_settled_and_refusals_hold_nothing() {
        let b = budgets(Period::Total, 1.0);
        let h1 = b.hold("acme", "k1", None, 0.4, 0).unwrap();
        let h2 = b.hold("acme", "k2", None, 0.4, 0).unwrap();
        // 0.8 held: a third estimate of 0.4 would pass the cap.
        let e = b.hold("acme", "k3", None, 0.4, 0).unwrap_err();
        assert_eq!((e.scope, e.limit), ("tenant", 1.0));
        h1.settle(0.1);
        drop(h2);
        assert!((b.spent("tenant:acme") - 0.1).abs() < 1e-12);
        assert!((b.spent("key:k1") - 0.1).abs() < 1e-12);
        // 0.1 spent, nothing held.
        let h3 = b.hold("acme", "k3", None, 0.9, 0).unwrap();
        h3.settle(0.9);
        assert_eq!(b.hold("acme", "k3", None, 0.01, 0).unwrap_err().scope, "tenant");
        // Tenants without a cap are not limited; their spend is still counted.
        b.hold("other", "k9", None, 1e9, 0).unwrap().settle(5.0);
        assert_eq!(b.spent("tenant:other"), 5.0);
    }

    #[test]
    fn a_keys_cap_applies_to_that_key() {
        let b = budgets(Period::Total, 100.0);
        b.hold("acme", "k1", Some(0.5), 0.3, 0).unwrap().settle(0.3);
        let e = b.hold("acme", "k1", Some(0.5), 0.3, 0).unwrap_err();
        assert_eq!((e.scope, e.limit), ("key", 0.5));
        b.hold("acme", "k2", Some(0.5), 0.3, 0).unwrap();
    }

    #[test]
    fn a_new_window_starts_from_nothing() {
        let b = budgets(Period::Day, 1.0);
        let day = 86_400_000_000;
        b.hold("acme", "k", None, 1.0, 10).unwrap().settle(1.0);
        assert!(b.hold("acme", "k", None, 0.5, 20).is_err());
        b.hold("acme", "k", None, 0.5, day + 1).unwrap();
    }

    #[test]
    fn concurrent_holds_never_overshoot() {
        let b = budgets(Period::Total, 10.0);
        let granted = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for t in 0..8 {
                let (b, granted) = (&b, &granted);
                s.spawn(move || {
                    for i in 0..200 {
                        if let Ok(h) = b.hold("acme", &format!("k{t}-{i}"), None, 0.1, 0) {
                            granted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            h.settle(0.1);
                        }
                    }
                });
            }
        });
        let spent = b.spent("tenant:acme");
        assert!(spent <= 10.0 + 1e-9, "{spent}");
        assert!(granted.into_inner() >= 99);
    }
}
