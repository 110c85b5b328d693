//! What the gateway adds to each request's audit record: the `gateway` section of the event
//! (model, provider, tokens, cost, status, client, request id, latency), and the CSV columns
//! `dlpjet audit query --format csv` shows for it. The audit log itself knows none of these.

use dlpjet_audit::{AuditEvent, Column, Section};
use serde::{Deserialize, Serialize};

/// The name of the gateway's section in audit events.
pub const SECTION: &str = "gateway";

/// What a gateway request was (for traffic through `dlpjet gateway`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GatewayRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The model asked for.
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The provider it went to.
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Tokens in the request.
    pub input_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Tokens in the response.
    pub output_tokens: Option<u64>,
    /// In the provider's currency unit (USD for the built-in price tables).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    /// The HTTP status returned to the client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The client's address.
    pub client_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The client's User-Agent.
    pub user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The gateway's request id.
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Time from request to the end of the response, in milliseconds.
    pub latency_ms: Option<f64>,
}

impl GatewayRecord {
    /// The record as the event's `gateway` section.
    ///
    /// # Errors
    /// Never for this type (every field is plain data); the signature is `Section::new`'s.
    pub fn section(&self) -> Result<Section, serde_json::Error> {
        Section::new(self)
    }

    /// The gateway record of `event`: `None` when it has none; an error when its `gateway`
    /// section is not one.
    pub fn of(event: &AuditEvent) -> Option<Result<GatewayRecord, serde_json::Error>> {
        event.sections.get(SECTION).map(Section::parse)
    }
}

/// The CSV columns of the gateway's record, in the order `dlpjet audit query --format csv` has
/// always written them (after `findings`, before `details`).
pub const CSV_COLUMNS: [Column; 10] = [
    Column { section: SECTION, field: "model" },
    Column { section: SECTION, field: "provider" },
    Column { section: SECTION, field: "input_tokens" },
    Column { section: SECTION, field: "output_tokens" },
    Column { section: SECTION, field: "cost" },
    Column { section: SECTION, field: "status" },
    Column { section: SECTION, field: "client_ip" },
    Column { section: SECTION, field: "user_agent" },
    Column { section: SECTION, field: "request_id" },
    Column { section: SECTION, field: "latency_ms" },
];

#[cfg(test)]
mod tests {
    use super::*;
    use dlpjet_audit::{csv_header, write_csv_row, EventAction};

    /// The header and a row are what the CLI wrote when these fields were the log's own.
    #[test]
    fn csv_is_as_before() {
        assert_eq!(
            csv_header(&CSV_COLUMNS),
            "seq,time,tenant,actor,action,target,policy_version,detectors,findings,model,provider,input_tokens,output_tokens,cost,status,client_ip,user_agent,request_id,latency_ms,details\n"
        );
        let g = GatewayRecord {
            model: Some("gpt-4o".into()),
            input_tokens: Some(12),
            cost: Some(0.000015),
            status: Some(200),
            latency_ms: Some(2.5),
            ..GatewayRecord::default()
        };
        let mut e = AuditEvent::new("acme", EventAction::Allow).section(SECTION, g.section().unwrap());
        e.time = "2026-12-06T00:00:00Z".into();
        let mut row = Vec::new();
        write_csv_row(&mut row, 3, &e, &CSV_COLUMNS).unwrap();
        assert_eq!(
            String::from_utf8(row).unwrap(),
            "3,2026-12-06T00:00:00Z,acme,,allow,,,,0,gpt-4o,,12,,0.000015,200,,,,2.5,\n"
        );
        assert_eq!(GatewayRecord::of(&e).unwrap().unwrap(), g);
        assert!(GatewayRecord::of(&AuditEvent::new("acme", EventAction::Allow)).is_none());
    }
}
