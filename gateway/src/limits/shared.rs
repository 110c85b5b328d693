//! State that several gateway instances share through Redis (`[shared] redis = "redis://…"`):
//! the rate-limit buckets and the budgets' spend and holds. Each decision is one Lua script,
//! which Redis runs atomically, on Redis's own clock — so instances behind a load balancer
//! neither race each other nor disagree about time.
//!
//! - **Rate limits**: one token bucket per key (a hash: `tokens`, `at`), the same arithmetic
//!   as the in-process [`crate::limits::ratelimit`]; a request takes a token from every bucket it falls
//!   under or from none.
//! - **Budgets**: per scope and window a hash with the metered `spent` and the sum `held` of
//!   the holds in flight, with the holds themselves in a sorted set by expiry (and their
//!   amounts in a hash), so that every call costs O(log n) whatever is in flight. A hold is
//!   admitted only if spend plus holds plus it stay within every cap, so concurrent instances
//!   overshoot a cap by no more than one request's underestimate, as one instance does. Holds
//!   whose instance died expire after `hold_ttl_secs`; the window's keys expire after the
//!   window.

use crate::config::{Period, Rate, SharedConfig};
use redis::aio::ConnectionManager;
use redis::Script;
use std::time::Duration;

/// Takes one token from each bucket, or none. KEYS: the buckets. ARGV: per bucket its rate per
/// second and burst. Returns `{0, "0"}`, or `{i, seconds}` for the first bucket `i` (1-based)
/// that is empty and the time until it has a token.
const TAKE: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local left = {}
for i, key in ipairs(KEYS) do
  local per_sec = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local b = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(b[1]) or burst
  local at = tonumber(b[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - at) * per_sec)
  if tokens < 1 then
    return {i, tostring((1 - tokens) / per_sec)}
  end
  left[i] = tokens - 1
end
for i, key in ipairs(KEYS) do
  local per_sec = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  redis.call('HSET', key, 'tokens', tostring(left[i]), 'at', tostring(now))
  -- A bucket that has refilled is the same as none.
  redis.call('PEXPIRE', key, math.ceil((burst - left[i]) / per_sec * 1000) + 1000)
end
return {0, "0"}
"#;

/// Holds an estimate against every cap, or nothing. Per scope there are three keys: KEYS[3i-2]
/// a hash with the metered `spent` and the sum `held` of the holds in flight, KEYS[3i-1] a
/// sorted set of hold ids by expiry, KEYS[3i] a hash of hold id → estimate. ARGV: hold id,
/// estimate, hold lifetime (ms), key lifetime (ms, 0 = none), then one cap per scope ("" =
/// none). Expired holds (their instance died) are dropped first, at most 64 per scope and call,
/// so a call stays cheap however many there are. Returns 0, or the 1-based index of the first
/// scope whose cap it would pass.
const HOLD: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id, estimate = ARGV[1], tonumber(ARGV[2])
local hold_ms, key_ms = tonumber(ARGV[3]), tonumber(ARGV[4])
local scopes = #KEYS / 3
for i = 1, scopes do
  local sums, holds, amounts = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  for _, old in ipairs(redis.call('ZRANGEBYSCORE', holds, '-inf', now, 'LIMIT', 0, 64)) do
    local amount = tonumber(redis.call('HGET', amounts, old)) or 0
    redis.call('HINCRBYFLOAT', sums, 'held', -amount)
    redis.call('HDEL', amounts, old)
    redis.call('ZREM', holds, old)
  end
  local cap = ARGV[4 + i]
  if cap ~= '' then
    local v = redis.call('HMGET', sums, 'spent', 'held')
    local used = (tonumber(v[1]) or 0) + math.max(0, tonumber(v[2]) or 0)
    if used + estimate > tonumber(cap) then
      return i
    end
  end
end
for i = 1, scopes do
  local sums, holds, amounts = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  redis.call('HINCRBYFLOAT', sums, 'held', estimate)
  redis.call('ZADD', holds, now + hold_ms, id)
  redis.call('HSET', amounts, id, tostring(estimate))
  if key_ms > 0 then
    redis.call('PEXPIRE', sums, key_ms)
    redis.call('PEXPIRE', holds, key_ms)
    redis.call('PEXPIRE', amounts, key_ms)
  end
end
return 0
"#;

/// Replaces a hold by the metered cost. KEYS: per scope the three keys of [`HOLD`]. ARGV: hold
/// id, cost, key lifetime (ms, 0 = none). A hold that has already expired is not subtracted
/// twice.
const SETTLE: &str = r#"
local id, cost, key_ms = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
for i = 1, #KEYS / 3 do
  local sums, holds, amounts = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  if redis.call('ZREM', holds, id) == 1 then
    local amount = tonumber(redis.call('HGET', amounts, id)) or 0
    redis.call('HDEL', amounts, id)
    redis.call('HINCRBYFLOAT', sums, 'held', -amount)
  end
  if cost > 0 then
    redis.call('HINCRBYFLOAT', sums, 'spent', ARGV[2])
  end
  if key_ms > 0 then
    redis.call('PEXPIRE', sums, key_ms)
  end
end
return 0
"#;

/// A Redis error, said in words.
#[derive(Debug, thiserror::Error)]
#[error("shared state at {at}: {message}")]
pub struct SharedError {
    /// The server (without a password).
    pub at: String,
    /// What went wrong.
    pub message: String,
}

/// The connection to the shared store and its scripts.
pub struct Shared {
    conn: ConnectionManager,
    at: String,
    prefix: String,
    hold_ttl: Duration,
    take: Script,
    hold: Script,
    settle: Script,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("at", &self.at).field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl Shared {
    /// Connects (reconnecting by itself later if the connection drops) and checks the server
    /// answers.
    ///
    /// # Errors
    /// A bad URL, or no server answering.
    pub async fn connect(config: &SharedConfig) -> Result<Shared, SharedError> {
        let at = crate::config::redact_url(&config.redis);
        let err = |e: redis::RedisError| SharedError { at: at.clone(), message: e.to_string() };
        let client = redis::Client::open(config.redis.as_str()).map_err(err)?;
        let manager = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2);
        let mut conn = tokio::time::timeout(Duration::from_secs(5), client.get_connection_manager_with_config(manager))
            .await
            .map_err(|_| SharedError { at: at.clone(), message: "no answer within 5 s".into() })?
            .map_err(err)?;
        let _: String = redis::cmd("PING").query_async(&mut conn).await.map_err(err)?;
        Ok(Shared {
            conn,
            at,
            prefix: config.prefix.clone(),
            hold_ttl: Duration::from_secs(config.hold_ttl_secs),
            take: Script::new(TAKE),
            hold: Script::new(HOLD),
            settle: Script::new(SETTLE),
        })
    }

    fn error(&self, e: redis::RedisError) -> SharedError {
        SharedError { at: self.at.clone(), message: e.to_string() }
    }

    /// Takes a token from every bucket (`(scope name, id, rate)`), or from none.
    ///
    /// # Errors
    /// The store cannot be reached. `Ok(Err((i, wait)))`: bucket `i` is empty for `wait`.
    pub async fn take(&self, buckets: &[(&str, &str, Rate)]) -> Result<Result<(), (usize, Duration)>, SharedError> {
        if buckets.is_empty() {
            return Ok(Ok(()));
        }
        let mut call = self.take.prepare_invoke();
        for (scope, id, rate) in buckets {
            let per_sec = f64::from(rate.requests_per_minute) / 60.0;
            let burst = rate.burst.unwrap_or(rate.requests_per_minute);
            call.key(format!("{}:rl:{scope}:{id}", self.prefix)).arg(per_sec).arg(burst);
        }
        let (index, wait): (usize, String) =
            call.invoke_async(&mut self.conn.clone()).await.map_err(|e| self.error(e))?;
        if index == 0 {
            return Ok(Ok(()));
        }
        let wait = wait.parse::<f64>().unwrap_or(1.0).max(0.0);
        Ok(Err((index - 1, Duration::from_secs_f64(wait))))
    }

    /// The hash of a budget scope (`tenant:NAME`, `key:ID`) in the window starting at `window`.
    fn budget_key(&self, window: i64, scope: &str) -> String {
        format!("{}:budget:{window}:{scope}", self.prefix)
    }

    /// The three keys of a scope in the scripts: sums, holds by expiry, hold amounts.
    fn budget_keys(&self, window: i64, scope: &str) -> [String; 3] {
        let sums = self.budget_key(window, scope);
        [sums.clone(), format!("{sums}:holds"), format!("{sums}:amounts")]
    }

    /// How long a window's spend is kept: past its end, for late settlements.
    fn window_ttl(period: Period) -> Duration {
        match period {
            Period::Day => Duration::from_secs(2 * 86_400),
            Period::Month => Duration::from_secs(33 * 86_400),
            Period::Total => Duration::ZERO,
        }
    }

    /// Holds `estimate` under hold id `id` against each `(scope, cap)`.
    ///
    /// # Errors
    /// The store cannot be reached. `Ok(Err(i))`: the cap of scope `i` would be passed;
    /// nothing is held.
    pub async fn hold(
        &self,
        period: Period,
        window: i64,
        id: &str,
        scopes: &[(String, Option<f64>)],
        estimate: f64,
    ) -> Result<Result<(), usize>, SharedError> {
        let mut call = self.hold.prepare_invoke();
        for (scope, _) in scopes {
            for k in self.budget_keys(window, scope) {
                call.key(k);
            }
        }
        call.arg(id)
            .arg(estimate)
            .arg(self.hold_ttl.as_millis() as u64)
            .arg(Shared::window_ttl(period).as_millis() as u64);
        for (_, cap) in scopes {
            call.arg(cap.map(|c| c.to_string()).unwrap_or_default());
        }
        let index: usize = call.invoke_async(&mut self.conn.clone()).await.map_err(|e| self.error(e))?;
        Ok(if index == 0 { Ok(()) } else { Err(index - 1) })
    }

    /// Replaces hold `id` by `cost` in each scope.
    ///
    /// # Errors
    /// The store cannot be reached (the hold then expires by itself, and the cost is missed).
    pub async fn settle(
        &self,
        period: Period,
        window: i64,
        id: &str,
        scopes: &[String],
        cost: f64,
    ) -> Result<(), SharedError> {
        let mut call = self.settle.prepare_invoke();
        for scope in scopes {
            for k in self.budget_keys(window, scope) {
                call.key(k);
            }
        }
        call.arg(id).arg(cost.max(0.0)).arg(Shared::window_ttl(period).as_millis() as u64);
        let _: i64 = call.invoke_async(&mut self.conn.clone()).await.map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Metered spend of a scope in the window starting at `window`.
    ///
    /// # Errors
    /// The store cannot be reached.
    pub async fn spent(&self, window: i64, scope: &str) -> Result<f64, SharedError> {
        let v: Option<String> = redis::cmd("HGET")
            .arg(self.budget_key(window, scope))
            .arg("spent")
            .query_async(&mut self.conn.clone())
            .await
            .map_err(|e| self.error(e))?;
        Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0.0))
    }
}
