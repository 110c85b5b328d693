//! What an audit record holds: who did what to which tenant's data, what the policy found and
//! decided — with a keyed fingerprint of each sensitive value, never the value itself.

use super::section::Section;
#[cfg(feature = "policy")]
use dlpjet_policy::{Action as PolicyAction, Decision};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// The schema version of [`AuditEvent`]; readers refuse versions they do not know.
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON names of an event's own fields, which no section may take.
pub(crate) const FIELDS: [&str; 9] =
    ["v", "time", "tenant", "actor", "action", "target", "policy_version", "dlp", "details"];

/// At most this many entries in [`AuditEvent::details`].
pub const MAX_DETAILS: usize = 64;
/// At most this many bytes in all of [`AuditEvent::details`]' keys and values.
pub const MAX_DETAILS_BYTES: usize = 8 * 1024;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventAction {
    /// A text was scanned and let through (no finding, or only allowed ones).
    Allow,
    /// A text was let through with findings flagged.
    Warn,
    /// A text was passed on with findings replaced by tokens (restored for the caller).
    Tokenize,
    /// A text was passed on with findings rewritten.
    Redact,
    /// A text was stopped.
    Block,
    /// A scan that decides nothing (reporting only).
    Scan,
    /// A policy was loaded or changed.
    PolicyChange,
    /// An API key was issued.
    KeyIssued,
    /// An API key was revoked.
    KeyRevoked,
    /// A vault secret was read (or used).
    VaultRead,
    /// A vault secret was written, rotated or deleted.
    VaultWrite,
    /// Someone signed in.
    Login,
    /// A request was refused for want of authority (a forged CSRF token, a tampered or expired
    /// session, another tenant's record).
    Denied,
    /// Records were exported (from the console, with the filter in the details).
    Export,
}

impl EventAction {
    /// The name as written in records: `"allow"`, `"policy_change"`, …
    pub fn as_str(self) -> &'static str {
        match self {
            EventAction::Allow => "allow",
            EventAction::Warn => "warn",
            EventAction::Tokenize => "tokenize",
            EventAction::Redact => "redact",
            EventAction::Block => "block",
            EventAction::Scan => "scan",
            EventAction::PolicyChange => "policy_change",
            EventAction::KeyIssued => "key_issued",
            EventAction::KeyRevoked => "key_revoked",
            EventAction::VaultRead => "vault_read",
            EventAction::VaultWrite => "vault_write",
            EventAction::Login => "login",
            EventAction::Denied => "denied",
            EventAction::Export => "export",
        }
    }

    /// Every action, in the order of their declaration.
    pub const ALL: [EventAction; 14] = [
        EventAction::Allow,
        EventAction::Warn,
        EventAction::Tokenize,
        EventAction::Redact,
        EventAction::Block,
        EventAction::Scan,
        EventAction::PolicyChange,
        EventAction::KeyIssued,
        EventAction::KeyRevoked,
        EventAction::VaultRead,
        EventAction::VaultWrite,
        EventAction::Login,
        EventAction::Denied,
        EventAction::Export,
    ];

    /// The action named `name` (as [`as_str`](EventAction::as_str) writes it).
    pub fn from_name(name: &str) -> Option<EventAction> {
        EventAction::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// The action of a policy decision (feature `policy`).
    #[cfg(feature = "policy")]
    pub fn of(a: PolicyAction) -> EventAction {
        match a {
            PolicyAction::Allow => EventAction::Allow,
            PolicyAction::Warn => EventAction::Warn,
            PolicyAction::Tokenize => EventAction::Tokenize,
            PolicyAction::Redact => EventAction::Redact,
            _ => EventAction::Block,
        }
    }
}

/// What one detector found in the text of an event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetectorResult {
    /// The detector id.
    pub detector: String,
    /// How many findings.
    pub count: usize,
    /// The action the policy took on them.
    pub action: String,
    /// Byte offsets `[start, end)` of each finding in the text.
    pub offsets: Vec<[usize; 2]>,
    /// A keyed fingerprint of each value (see [`Fingerprinter`]): equal values of one tenant
    /// have equal fingerprints, so repeated leaks can be correlated; the value cannot be
    /// recovered from it.
    pub fingerprints: Vec<String>,
}

/// One audit event (schema version [`SCHEMA_VERSION`]).
///
/// ```
/// use dlpjet_audit::{AuditEvent, EventAction};
/// let e = AuditEvent::new("acme", EventAction::PolicyChange)
///     .actor("user:42")
///     .target("policy.toml")
///     .detail("reason", "quarterly review");
/// assert_eq!(e.tenant, "acme");
/// assert!(e.validate().is_ok());
/// ```
///
/// Written as one JSON object (see `event_json`): these fields by name, and each of
/// [`sections`](AuditEvent::sections) under its own name beside them.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEvent {
    /// The schema version (`"v"`).
    pub version: u32,
    /// When, in UTC (RFC 3339 with microseconds: `2026-11-23T15:07:00.123456Z`).
    pub time: String,
    /// The tenant whose data or settings it concerns.
    pub tenant: String,
    /// Who: a user id or an API key's id — never a key.
    pub actor: Option<String>,
    /// What happened.
    pub action: EventAction,
    /// What it was done to: a file, an endpoint, a secret's id, a key's id.
    pub target: Option<String>,
    /// The version of the policy that decided.
    pub policy_version: Option<String>,
    /// What each detector found.
    pub dlp: Vec<DetectorResult>,
    /// What layers above the log add, by name (the gateway's record is its `"gateway"`
    /// section); the log keeps each as written. No name may be one of the fields above.
    pub sections: BTreeMap<String, Section>,
    /// Free-form details of the caller, at most [`MAX_DETAILS`] entries and
    /// [`MAX_DETAILS_BYTES`] bytes.
    pub details: BTreeMap<String, String>,
}

impl AuditEvent {
    /// An event of `action` for `tenant`, timestamped now.
    pub fn new(tenant: impl Into<String>, action: EventAction) -> AuditEvent {
        AuditEvent {
            version: SCHEMA_VERSION,
            time: now_rfc3339(),
            tenant: tenant.into(),
            actor: None,
            action,
            target: None,
            policy_version: None,
            dlp: Vec::new(),
            sections: BTreeMap::new(),
            details: BTreeMap::new(),
        }
    }

    /// The event of a policy decision about `text` (feature `policy`): its action and, per detector, the count,
    /// action, offsets and fingerprints of the findings. `text` is only read to fingerprint
    /// the values; nothing of it is kept.
    #[cfg(feature = "policy")]
    pub fn decision(tenant: &str, decision: &Decision, text: &[u8], fingerprints: &Fingerprinter) -> AuditEvent {
        let mut e = AuditEvent::new(tenant, EventAction::of(decision.action));
        let keyed = fingerprints.tenant(tenant);
        for f in &decision.findings {
            let id = &*f.finding.detector;
            let action = f.action.as_str();
            let i = match e.dlp.iter().position(|r| r.detector == id && r.action == action) {
                Some(i) => i,
                None => {
                    e.dlp.push(DetectorResult {
                        detector: id.to_string(),
                        count: 0,
                        action: action.to_string(),
                        offsets: Vec::new(),
                        fingerprints: Vec::new(),
                    });
                    e.dlp.len() - 1
                }
            };
            let r = &mut e.dlp[i];
            r.count += 1;
            r.offsets.push([f.finding.start, f.finding.end]);
            let value = text.get(f.finding.start..f.finding.end).unwrap_or_default();
            r.fingerprints.push(keyed.fingerprint(value));
        }
        e
    }

    /// Sets the actor.
    pub fn actor(mut self, actor: impl Into<String>) -> AuditEvent {
        self.actor = Some(actor.into());
        self
    }

    /// Sets the target.
    pub fn target(mut self, target: impl Into<String>) -> AuditEvent {
        self.target = Some(target.into());
        self
    }

    /// Sets the policy version.
    pub fn policy_version(mut self, v: impl Into<String>) -> AuditEvent {
        self.policy_version = Some(v.into());
        self
    }

    /// Adds (or replaces) the section `name`.
    ///
    /// ```
    /// use dlpjet_audit::{AuditEvent, EventAction, Section};
    /// let usage = Section::new(&serde_json::json!({"tokens": 12}))?;
    /// let e = AuditEvent::new("acme", EventAction::Allow).section("usage", usage);
    /// assert!(serde_json::to_string(&e)?.contains(r#""usage":{"tokens":12}"#));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn section(mut self, name: impl Into<String>, section: Section) -> AuditEvent {
        self.sections.insert(name.into(), section);
        self
    }

    /// Adds a detail.
    pub fn detail(mut self, key: impl Into<String>, value: impl Into<String>) -> AuditEvent {
        self.details.insert(key.into(), value.into());
        self
    }

    /// Checks the schema version, the timestamp's form and the size of `details`.
    pub fn validate(&self) -> Result<(), String> {
        if self.version != SCHEMA_VERSION {
            return Err(format!("schema version {} (this build reads {SCHEMA_VERSION})", self.version));
        }
        parse_rfc3339(&self.time).ok_or_else(|| format!("time {:?} is not RFC 3339 UTC", self.time))?;
        if self.tenant.is_empty() {
            return Err("empty tenant".into());
        }
        if let Some(name) = self.sections.keys().find(|n| FIELDS.contains(&n.as_str())) {
            return Err(format!("section {name:?} has the name of an event field"));
        }
        if self.details.len() > MAX_DETAILS {
            return Err(format!("{} details (at most {MAX_DETAILS})", self.details.len()));
        }
        let bytes: usize = self.details.iter().map(|(k, v)| k.len() + v.len()).sum();
        if bytes > MAX_DETAILS_BYTES {
            return Err(format!("details of {bytes} bytes (at most {MAX_DETAILS_BYTES})"));
        }
        Ok(())
    }

    /// Microseconds since the Unix epoch of [`time`](AuditEvent::time), if well formed.
    pub fn micros(&self) -> Option<i64> {
        parse_rfc3339(&self.time)
    }
}

/// Keyed fingerprints of sensitive values: HMAC-SHA-256 under a key derived per tenant (HKDF)
/// from a secret salt, truncated to 128 bits, hex. Without the salt a fingerprint neither
/// reveals nor confirms a guessed value; equal values of one tenant match, across tenants they
/// do not.
#[derive(Clone)]
pub struct Fingerprinter {
    salt: zeroize::Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fingerprinter(..)")
    }
}

/// A [`Fingerprinter`] keyed for one tenant.
#[derive(Clone)]
pub struct TenantFingerprinter {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for TenantFingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TenantFingerprinter(..)")
    }
}

impl Fingerprinter {
    /// Fingerprints keyed by `salt` (keep it secret; at least 16 bytes).
    pub fn new(salt: &[u8]) -> Result<Fingerprinter, String> {
        if salt.len() < 16 {
            return Err(format!("the fingerprint salt has {} bytes; at least 16 are needed", salt.len()));
        }
        Ok(Fingerprinter { salt: zeroize::Zeroizing::new(salt.to_vec()) })
    }

    /// The fingerprinter of one tenant.
    pub fn tenant(&self, tenant: &str) -> TenantFingerprinter {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(b"dlpjet audit fingerprint v1"), &self.salt);
        let mut key = zeroize::Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA-256's output limit.
        let _ = hk.expand(tenant.as_bytes(), &mut key[..]);
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(&key[..]).expect("HMAC takes any key length");
        TenantFingerprinter { mac }
    }
}

impl TenantFingerprinter {
    /// The fingerprint of `value`.
    pub fn fingerprint(&self, value: &[u8]) -> String {
        let mut m = self.mac.clone();
        m.update(value);
        hex(&m.finalize().into_bytes()[..16])
    }
}

pub(crate) fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    b.iter().fold(String::with_capacity(b.len() * 2), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    })
}

/// Lowercase hex only: one spelling per value, so that no byte of a record can change
/// without changing what it says.
pub(crate) fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != N * 2 || !s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(out)
}

/// Now as RFC 3339 UTC with microseconds.
pub fn now_rfc3339() -> String {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    format_rfc3339(d.as_secs() as i64 * 1_000_000 + d.subsec_micros() as i64)
}

/// Microseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
pub fn format_rfc3339(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let us = micros.rem_euclid(1_000_000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{us:06}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Microseconds since the epoch of `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SSZ` or with a fraction of
/// up to nine digits; UTC only.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes().all(|c| c.is_ascii_digit()).then(|| t.parse().ok()).flatten()
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    if b.len() == 10 {
        return Some(days * 86_400_000_000);
    }
    if !matches!(b.get(10), Some(b'T' | b't')) || b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut at = 19;
    let mut us = 0i64;
    if b.get(at) == Some(&b'.') {
        let digits = b[at + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        let frac = &s[at + 1..at + 1 + digits];
        us = format!("{frac:0<6}")[..6].parse().ok()?;
        at += 1 + digits;
    }
    if !matches!(&s[at..], "Z" | "z") {
        return None;
    }
    Some(((days * 86_400 + h * 3600 + mi * 60 + sec) * 1_000_000) + us)
}

// Howard Hinnant's civil calendar algorithms.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + (m <= 2) as i64, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn timestamps_round_trip() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(parse_rfc3339("2026-11-23T15:07:00.5Z"), Some(1_795_446_420_500_000));
        assert_eq!(format_rfc3339(1_795_446_420_500_000), "2026-11-23T15:07:00.500000Z");
        assert_eq!(parse_rfc3339("2026-11-23"), Some(1_795_392_000_000_000));
        for bad in
            ["2026-13-01", "2026-11-23T25:00:00Z", "2026-11-23T10:00:00+01:00", "yesterday", "2026-11-23T10:00:00.Z"]
        {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn any_instant_round_trips(us in -10_000_000_000_000_000i64..10_000_000_000_000_000) {
            prop_assert_eq!(parse_rfc3339(&format_rfc3339(us)), Some(us));
        }
    }

    #[test]
    fn fingerprints_match_within_a_tenant_only() {
        let f = Fingerprinter::new(b"0123456789abcdef-salt").unwrap();
        let (a, b) = (f.tenant("acme"), f.tenant("globex"));
        assert_eq!(a.fingerprint(b"4111111111111111"), a.fingerprint(b"4111111111111111"));
        assert_ne!(a.fingerprint(b"4111111111111111"), a.fingerprint(b"4111111111111112"));
        assert_ne!(a.fingerprint(b"4111111111111111"), b.fingerprint(b"4111111111111111"));
        assert_eq!(a.fingerprint(b"x").len(), 32);
        assert!(Fingerprinter::new(b"short").is_err());
    }

    #[test]
    fn action_names_round_trip_with_serde() {
        for name in [
            "allow",
            "warn",
            "redact",
            "block",
            "scan",
            "policy_change",
            "key_issued",
            "key_revoked",
            "vault_read",
            "vault_write",
            "login",
        ] {
            let a = EventAction::from_name(name).unwrap();
            assert_eq!(a.as_str(), name);
            assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{name}\""));
        }
        assert_eq!(EventAction::from_name("explode"), None);
    }

    #[test]
    fn a_section_may_not_take_an_event_field_s_name() {
        let s = crate::Section::new(&1).unwrap();
        let e = AuditEvent::new("t", EventAction::Scan).section("usage", s.clone());
        assert!(e.validate().is_ok());
        for name in FIELDS {
            let e = AuditEvent::new("t", EventAction::Scan).section(name, s.clone());
            assert!(e.validate().unwrap_err().contains("name of an event field"), "{name}");
        }
    }

    #[test]
    fn details_are_bounded() {
        let mut e = AuditEvent::new("t", EventAction::Scan);
        assert!(e.validate().is_ok());
        e.details.insert("big".into(), "x".repeat(MAX_DETAILS_BYTES));
        assert!(e.validate().unwrap_err().contains("details of"));
        let mut e = AuditEvent::new("t", EventAction::Scan);
        for i in 0..=MAX_DETAILS {
            e.details.insert(format!("k{i}"), String::new());
        }
        assert!(e.validate().is_err());
    }
}
