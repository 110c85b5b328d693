//! How an [`AuditEvent`] is written and read as JSON: its own fields by name, in a fixed order,
//! and every other key a [`Section`] kept as written (so the sections a layer above adds sit
//! at the top level of the record, as the gateway's `gateway` always has).

use super::event::AuditEvent;
use super::section::Section;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

impl Serialize for AuditEvent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("v", &self.version)?;
        m.serialize_entry("time", &self.time)?;
        m.serialize_entry("tenant", &self.tenant)?;
        if let Some(a) = &self.actor {
            m.serialize_entry("actor", a)?;
        }
        m.serialize_entry("action", &self.action)?;
        if let Some(t) = &self.target {
            m.serialize_entry("target", t)?;
        }
        if let Some(p) = &self.policy_version {
            m.serialize_entry("policy_version", p)?;
        }
        if !self.dlp.is_empty() {
            m.serialize_entry("dlp", &self.dlp)?;
        }
        for (name, section) in &self.sections {
            m.serialize_entry(name, section)?;
        }
        if !self.details.is_empty() {
            m.serialize_entry("details", &self.details)?;
        }
        m.end()
    }
}

/// A key of an event object: one of its own fields, or a section's name.
enum Key {
    Version,
    Time,
    Tenant,
    Actor,
    Action,
    Target,
    PolicyVersion,
    Dlp,
    Details,
    Section(String),
}

impl Key {
    fn of(name: &str) -> Option<Key> {
        Some(match name {
            "v" => Key::Version,
            "time" => Key::Time,
            "tenant" => Key::Tenant,
            "actor" => Key::Actor,
            "action" => Key::Action,
            "target" => Key::Target,
            "policy_version" => Key::PolicyVersion,
            "dlp" => Key::Dlp,
            "details" => Key::Details,
            _ => return None,
        })
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                // Only a section's name is copied: the event's own keys cost no allocation.
                Ok(Key::of(v).unwrap_or_else(|| Key::Section(v.to_string())))
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

/// Sets `slot` once; a second value for the same key is an error, as with derived types.
fn once<T, E: de::Error>(slot: &mut Option<T>, value: T, name: &'static str) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(name));
    }
    *slot = Some(value);
    Ok(())
}

impl<'de> Deserialize<'de> for AuditEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<AuditEvent, D::Error> {
        struct EventVisitor;
        impl<'de> Visitor<'de> for EventVisitor {
            type Value = AuditEvent;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an audit event object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AuditEvent, A::Error> {
                let (mut version, mut time, mut tenant, mut action) = (None, None, None, None);
                let (mut actor, mut target, mut policy_version) = (None, None, None);
                let (mut dlp, mut details) = (None, None);
                let mut sections = BTreeMap::new();
                while let Some(key) = map.next_key::<Key>()? {
                    match key {
                        Key::Version => once(&mut version, map.next_value()?, "v")?,
                        Key::Time => once(&mut time, map.next_value()?, "time")?,
                        Key::Tenant => once(&mut tenant, map.next_value()?, "tenant")?,
                        Key::Actor => once(&mut actor, map.next_value()?, "actor")?,
                        Key::Action => once(&mut action, map.next_value()?, "action")?,
                        Key::Target => once(&mut target, map.next_value()?, "target")?,
                        Key::PolicyVersion => once(&mut policy_version, map.next_value()?, "policy_version")?,
                        Key::Dlp => once(&mut dlp, map.next_value()?, "dlp")?,
                        Key::Details => once(&mut details, map.next_value()?, "details")?,
                        Key::Section(name) => {
                            let section: Section = map.next_value()?;
                            if sections.insert(name, section).is_some() {
                                return Err(de::Error::custom("a section appears twice"));
                            }
                        }
                    }
                }
                Ok(AuditEvent {
                    version: version.ok_or_else(|| de::Error::missing_field("v"))?,
                    time: time.ok_or_else(|| de::Error::missing_field("time"))?,
                    tenant: tenant.ok_or_else(|| de::Error::missing_field("tenant"))?,
                    actor: actor.flatten(),
                    action: action.ok_or_else(|| de::Error::missing_field("action"))?,
                    target: target.flatten(),
                    policy_version: policy_version.flatten(),
                    dlp: dlp.unwrap_or_default(),
                    sections,
                    details: details.unwrap_or_default(),
                })
            }
        }
        d.deserialize_map(EventVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{DetectorResult, EventAction};

    /// The JSON a derived serializer wrote before sections existed, for an event with every
    /// field and the gateway's record: written the same, byte for byte, and read back equal.
    #[test]
    fn records_are_written_as_before_and_read_back() {
        let old = r#"{"v":1,"time":"2026-11-23T15:07:00.123456Z","tenant":"acme","actor":"key:3","action":"redact","target":"/v1/chat/completions","policy_version":"7","dlp":[{"detector":"email","count":1,"action":"redact","offsets":[[0,5]],"fingerprints":["ab"]}],"gateway":{"model":"gpt-4o","status":200,"cost":0.0015},"details":{"instance":"gw-1"}}"#;
        let e: AuditEvent = serde_json::from_str(old).unwrap();
        assert_eq!(e.sections["gateway"].json(), r#"{"model":"gpt-4o","status":200,"cost":0.0015}"#);
        assert_eq!(
            e.dlp[0],
            DetectorResult {
                detector: "email".into(),
                count: 1,
                action: "redact".into(),
                offsets: vec![[0, 5]],
                fingerprints: vec!["ab".into()],
            }
        );
        assert_eq!(serde_json::to_string(&e).unwrap(), old);
        let min = r#"{"v":1,"time":"2026-11-23T15:07:00Z","tenant":"t","action":"login"}"#;
        let e: AuditEvent = serde_json::from_str(min).unwrap();
        assert_eq!((e.action, e.actor.as_deref(), e.sections.len()), (EventAction::Login, None, 0));
        assert_eq!(serde_json::to_string(&e).unwrap(), min);
    }

    #[test]
    fn malformed_events_are_refused() {
        for bad in [
            r#"{"time":"2026-11-23T15:07:00Z","tenant":"t","action":"login"}"#,
            r#"{"v":1,"v":1,"time":"2026-11-23T15:07:00Z","tenant":"t","action":"login"}"#,
            r#"{"v":1,"time":"2026-11-23T15:07:00Z","tenant":"t","action":"explode"}"#,
            r#"{"v":1,"time":"2026-11-23T15:07:00Z","tenant":"t","action":"login","x":1,"x":2}"#,
            r#"[1,2]"#,
        ] {
            assert!(serde_json::from_str::<AuditEvent>(bad).is_err(), "{bad}");
        }
    }
}
