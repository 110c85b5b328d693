//! A key's own limits: the requests per minute and the spending cap an API key may carry,
//! kept in the vault as attributes of the key (the vault knows nothing of their meaning).

use dlpjet_vault::ApiKey;
use std::collections::BTreeMap;

/// The key attribute holding its requests per minute.
pub const RATE_LIMIT: &str = "rate_limit";
/// The key attribute holding its spending cap in the budget window.
pub const BUDGET: &str = "budget";

/// The limits a key carries, each `None` when it has none of its own.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct KeyLimits {
    /// Requests per minute for this key, instead of the per-key default.
    pub rate_limit: Option<u32>,
    /// Spending cap for this key in the budget window (the tenant's cap still applies to the
    /// tenant's total).
    pub budget: Option<f64>,
}

impl KeyLimits {
    /// The limits of `key`, read from its attributes.
    ///
    /// ```
    /// use dlpjet_gateway::limits::keys::KeyLimits;
    /// let limits = KeyLimits { rate_limit: Some(60), budget: Some(2.5) };
    /// assert_eq!(KeyLimits::from_attributes(&limits.attributes()), Ok(limits));
    /// ```
    ///
    /// # Errors
    /// An attribute that is not a number of its kind, named: the gateway refuses such a key
    /// rather than let it through without its limit.
    pub fn of(key: &ApiKey) -> Result<KeyLimits, String> {
        KeyLimits::from_attributes(&key.attributes).map_err(|e| format!("API key {}: {e}", key.id))
    }

    /// The limits in `attributes` (see [`KeyLimits::of`]).
    ///
    /// # Errors
    /// As [`KeyLimits::of`].
    pub fn from_attributes(attributes: &BTreeMap<String, String>) -> Result<KeyLimits, String> {
        let rate_limit = attributes
            .get(RATE_LIMIT)
            .map(|v| v.parse::<u32>().map_err(|_| format!("{RATE_LIMIT} {v:?} is not a whole number of requests")))
            .transpose()?;
        let budget = attributes
            .get(BUDGET)
            .map(|v| match v.parse::<f64>() {
                Ok(b) if b.is_finite() && b >= 0.0 => Ok(b),
                _ => Err(format!("{BUDGET} {v:?} is not an amount")),
            })
            .transpose()?;
        Ok(KeyLimits { rate_limit, budget })
    }

    /// The limits as key attributes, to store with a new key.
    pub fn attributes(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if let Some(r) = self.rate_limit {
            out.insert(RATE_LIMIT.to_string(), r.to_string());
        }
        if let Some(b) = self.budget {
            out.insert(BUDGET.to_string(), b.to_string());
        }
        out
    }
}

/// A verified caller: its key, and the limits the key carries.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The key's record.
    pub key: ApiKey,
    /// Its own limits.
    pub limits: KeyLimits,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_limits_are_errors_not_missing_limits() {
        let attrs = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
        assert_eq!(KeyLimits::from_attributes(&BTreeMap::new()), Ok(KeyLimits::default()));
        assert_eq!(KeyLimits::from_attributes(&attrs(RATE_LIMIT, "60")).unwrap().rate_limit, Some(60));
        assert_eq!(KeyLimits::from_attributes(&attrs(BUDGET, "25.0")).unwrap().budget, Some(25.0));
        for (k, v) in [(RATE_LIMIT, "-1"), (RATE_LIMIT, "ten"), (BUDGET, "NaN"), (BUDGET, "-3"), (BUDGET, "")] {
            assert!(KeyLimits::from_attributes(&attrs(k, v)).is_err(), "{k}={v}");
        }
        // Attributes the gateway does not know are the business of whoever set them.
        assert_eq!(KeyLimits::from_attributes(&attrs("team", "blue")), Ok(KeyLimits::default()));
    }
}
