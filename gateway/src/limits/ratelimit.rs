//! Request rate limits: one token bucket per API key, user, tenant and client address.
//!
//! A bucket holds up to `burst` tokens and gains `requests_per_minute / 60` per second; a
//! request takes one, and when none is left it is refused with the time until one will be.
//! A full bucket is the same as no bucket, so idle ones are dropped when the table grows past
//! its bound — memory stays bounded however many addresses a client cycles through.

use crate::config::{Rate, RateLimits};
use crate::limits::shared::{Shared, SharedError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Buckets kept per scope before idle ones are swept.
const MAX_TRACKED: usize = 100_000;

/// What a limit applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One API key.
    Key,
    /// One user.
    User,
    /// One tenant.
    Tenant,
    /// One client address.
    Ip,
}

impl Scope {
    /// The scope's name in error messages and metrics: `"key"`, `"user"`, `"tenant"`, `"ip"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Key => "key",
            Scope::User => "user",
            Scope::Tenant => "tenant",
            Scope::Ip => "ip",
        }
    }
}

/// A refused request: which limit, and when to try again.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limited {
    /// The limit that refused it.
    pub scope: Scope,
    /// How long until a request would pass.
    pub retry_after: Duration,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The buckets of one scope.
#[derive(Debug, Default)]
struct Table {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Table {
    fn take(&self, id: &str, rate: Rate, now: Instant) -> Result<(), Duration> {
        let per_sec = f64::from(rate.requests_per_minute) / 60.0;
        let burst = f64::from(rate.burst.unwrap_or(rate.requests_per_minute));
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_TRACKED && !map.contains_key(id) {
            sweep(&mut map, per_sec, burst, now);
        }
        let b = map.entry(id.to_string()).or_insert(Bucket { tokens: burst, at: now });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * per_sec).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / per_sec))
        }
    }
}

/// Drops the buckets that have refilled (they are no different from new ones); when that is not
/// enough, the least recently used half.
fn sweep(map: &mut HashMap<String, Bucket>, per_sec: f64, burst: f64, now: Instant) {
    map.retain(|_, b| b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_sec < burst);
    if map.len() >= MAX_TRACKED {
        let mut times: Vec<Instant> = map.values().map(|b| b.at).collect();
        let mid = times.len() / 2;
        let (_, cut, _) = times.select_nth_unstable(mid);
        let cut = *cut;
        map.retain(|_, b| b.at > cut);
    }
}

/// Why a request was not admitted.
#[derive(Debug)]
pub enum Refused {
    /// A limit was reached.
    Limited(Limited),
    /// The shared store could not be asked.
    Unavailable(SharedError),
}

/// The gateway's rate limits: in this process, or in the shared store when one is attached.
#[derive(Debug, Default)]
pub struct RateLimiter {
    config: arc_swap::ArcSwap<RateLimits>,
    keys: Table,
    users: Table,
    tenants: Table,
    ips: Table,
    shared: Option<Arc<Shared>>,
}

impl RateLimiter {
    /// Limits as configured.
    pub fn new(config: RateLimits) -> RateLimiter {
        RateLimiter { config: arc_swap::ArcSwap::from_pointee(config), ..RateLimiter::default() }
    }

    /// New limits (a configuration reload). Buckets keep their levels; a bucket above its new
    /// burst is cut down to it on its next request.
    pub fn set_limits(&self, config: RateLimits) {
        self.config.store(std::sync::Arc::new(config));
    }

    /// Counts in `shared` from now on (several instances, one count).
    pub fn share(&mut self, shared: Arc<Shared>) {
        self.shared = Some(shared);
    }

    /// [`RateLimiter::check_ip`], in the shared store when there is one.
    ///
    /// # Errors
    /// The limit refused, or the shared store could not be asked.
    pub async fn admit_ip(&self, ip: &str) -> Result<(), Refused> {
        match &self.shared {
            None => self.check_ip(ip, Instant::now()).map_err(Refused::Limited),
            Some(shared) => match self.config.load().per_ip {
                Some(rate) => Self::take_shared(shared, &[(Scope::Ip, ip, rate)]).await,
                None => Ok(()),
            },
        }
    }

    /// [`RateLimiter::check_caller`], in the shared store when there is one (where a request
    /// takes a token from every bucket or from none).
    ///
    /// # Errors
    /// The limit refused, or the shared store could not be asked.
    pub async fn admit_caller(
        &self,
        key_id: &str,
        key_rate: Option<u32>,
        tenant: &str,
        user: &str,
    ) -> Result<(), Refused> {
        match &self.shared {
            None => self.check_caller(key_id, key_rate, tenant, user, Instant::now()).map_err(Refused::Limited),
            Some(shared) => {
                let user_id = format!("{tenant}\u{0}{user}");
                let buckets = self.caller_buckets(key_id, key_rate, tenant, &user_id);
                Self::take_shared(shared, &buckets).await
            }
        }
    }

    async fn take_shared(shared: &Shared, buckets: &[(Scope, &str, Rate)]) -> Result<(), Refused> {
        let named: Vec<(&str, &str, Rate)> = buckets.iter().map(|(s, id, r)| (s.as_str(), *id, *r)).collect();
        match shared.take(&named).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err((i, retry_after))) => Err(Refused::Limited(Limited { scope: buckets[i].0, retry_after })),
            Err(e) => Err(Refused::Unavailable(e)),
        }
    }

    /// The buckets a caller's request takes from, in order: key, user, tenant.
    fn caller_buckets<'a>(
        &self,
        key_id: &'a str,
        key_rate: Option<u32>,
        tenant: &'a str,
        user_id: &'a str,
    ) -> Vec<(Scope, &'a str, Rate)> {
        let config = self.config.load();
        let key_rate = key_rate.map(|rpm| Rate { requests_per_minute: rpm.max(1), burst: None }).or(config.per_key);
        [
            (Scope::Key, key_id, key_rate),
            (Scope::User, user_id, config.per_user),
            (Scope::Tenant, tenant, config.per_tenant),
        ]
        .into_iter()
        .filter_map(|(scope, id, rate)| Some((scope, id, rate?)))
        .collect()
    }

    /// Takes a token from the client address's bucket.
    ///
    /// # Errors
    /// [`Limited`] when the address has used its rate.
    pub fn check_ip(&self, ip: &str, now: Instant) -> Result<(), Limited> {
        match self.config.load().per_ip {
            Some(rate) => self.ips.take(ip, rate, now).map_err(|retry_after| Limited { scope: Scope::Ip, retry_after }),
            None => Ok(()),
        }
    }

    /// Takes a token from the buckets of the key (its own rate when it has one), the user and
    /// the tenant, in that order; the first empty one refuses.
    ///
    /// # Errors
    /// [`Limited`] naming the scope that refused.
    pub fn check_caller(
        &self,
        key_id: &str,
        key_rate: Option<u32>,
        tenant: &str,
        user: &str,
        now: Instant,
    ) -> Result<(), Limited> {
        let user_id = format!("{tenant}\u{0}{user}");
        for (scope, id, rate) in self.caller_buckets(key_id, key_rate, tenant, &user_id) {
            let table = match scope {
                Scope::Key => &self.keys,
                Scope::User => &self.users,
                _ => &self.tenants,
            };
            table.take(id, rate, now).map_err(|retry_after| Limited { scope, retry_after })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rate(rpm: u32, burst: Option<u32>) -> Rate {
        Rate { requests_per_minute: rpm, burst }
    }

    #[test]
    fn a_burst_then_the_sustained_rate() {
        let t = Table::default();
        let t0 = Instant::now();
        for _ in 0..3 {
            t.take("a", rate(60, Some(3)), t0).unwrap();
        }
        let wait = t.take("a", rate(60, Some(3)), t0).unwrap_err();
        assert!((wait.as_secs_f64() - 1.0).abs() < 1e-9, "{wait:?}");
        // Other ids have buckets of their own.
        t.take("b", rate(60, Some(3)), t0).unwrap();
        // Half a second later: still half a token short.
        let wait = t.take("a", rate(60, Some(3)), t0 + Duration::from_millis(500)).unwrap_err();
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-6, "{wait:?}");
        t.take("a", rate(60, Some(3)), t0 + Duration::from_millis(1000)).unwrap();
    }

    #[test]
    fn the_first_empty_scope_refuses_and_a_keys_own_rate_wins() {
        let cfg = RateLimits {
            per_key: Some(rate(600, Some(100))),
            per_user: Some(rate(60, Some(2))),
            per_tenant: None,
            per_ip: None,
        };
        let l = RateLimiter::new(cfg);
        let t0 = Instant::now();
        l.check_caller("k1", None, "acme", "alice", t0).unwrap();
        l.check_caller("k2", None, "acme", "alice", t0).unwrap();
        // Alice's third request refused by her user bucket, whichever key she uses.
        assert_eq!(l.check_caller("k3", None, "acme", "alice", t0).unwrap_err().scope, Scope::User);
        // Bob is a user of his own; his key allows one request a minute.
        l.check_caller("k4", Some(1), "acme", "bob", t0).unwrap();
        assert_eq!(l.check_caller("k4", Some(1), "acme", "bob", t0).unwrap_err().scope, Scope::Key);
        // Addresses are not limited when per_ip is not set.
        l.check_ip("10.0.0.1", t0).unwrap();
    }

    #[test]
    fn the_table_stays_bounded() {
        let t = Table::default();
        let t0 = Instant::now();
        for i in 0..(MAX_TRACKED + 10) {
            let _ = t.take(&i.to_string(), rate(1, Some(5)), t0 + Duration::from_micros(i as u64));
        }
        let n = t.buckets.lock().unwrap().len();
        assert!(n <= MAX_TRACKED, "{n}");
        // The most recent bucket survived the sweep with its count.
        let last = (MAX_TRACKED + 9).to_string();
        assert!(t.buckets.lock().unwrap().get(&last).is_some_and(|b| (b.tokens - 4.0).abs() < 1e-3));
    }

    proptest! {
        /// Over any sequence of arrivals, what is let through by time T is at most
        /// burst + rate × T, and a request is never refused while a whole token is available.
        #[test]
        fn never_more_than_burst_plus_rate(
            rpm in 1u32..600,
            burst in 1u32..20,
            gaps in proptest::collection::vec(0u64..3_000, 1..200),
        ) {
            let t = Table::default();
            let t0 = Instant::now();
            let mut at = t0;
            let mut passed = 0u64;
            for g in gaps {
                at += Duration::from_millis(g);
                if t.take("x", rate(rpm, Some(burst)), at).is_ok() {
                    passed += 1;
                }
                let allowed = f64::from(burst) + f64::from(rpm) / 60.0 * (at - t0).as_secs_f64();
                prop_assert!(passed as f64 <= allowed + 1e-6, "{passed} > {allowed}");
            }
        }
    }
}
