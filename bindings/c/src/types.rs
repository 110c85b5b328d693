//! The plain C types of the ABI: directions, actions, findings.

use dlpjet_policy::{Action, DecidedFinding, Tenant};
use engine::Finding;
use std::collections::HashMap;
use std::ffi::{c_char, CString};
use std::sync::Arc;

/// Which way a text travels: `DLPJET_INBOUND`, `DLPJET_OUTBOUND` or `DLPJET_BOTH`. A policy can
/// run some detectors on one direction only.
pub type dlpjet_direction = u32;
/// A request, on its way in (to an AI provider, say).
pub const DLPJET_INBOUND: dlpjet_direction = 0;
/// A response, on its way out.
pub const DLPJET_OUTBOUND: dlpjet_direction = 1;
/// Either way: every detector of the policy runs.
pub const DLPJET_BOTH: dlpjet_direction = 2;

/// What the policy does with a finding or a text, from mildest to strictest.
pub type dlpjet_action = u32;
/// Let it through; the finding is recorded.
pub const DLPJET_ALLOW: dlpjet_action = 0;
/// Let it through and flag it.
pub const DLPJET_WARN: dlpjet_action = 1;
/// Rewrite the finding and let the rest through.
pub const DLPJET_REDACT: dlpjet_action = 2;
/// Stop the text.
pub const DLPJET_BLOCK: dlpjet_action = 3;
/// Replace the finding with the tenant's stable token for it and let the rest through.
/// (Numbered after block to keep the older values; strictness is allow < warn < tokenize <
/// redact < block.)
pub const DLPJET_TOKENIZE: dlpjet_action = 4;

pub(crate) fn action(a: Action) -> dlpjet_action {
    a.code().into()
}

/// An action's name as written in policies (`"allow"`, `"warn"`, `"redact"`, `"block"`,
/// `"tokenize"`), or
/// NULL for an unknown value. Static.
#[no_mangle]
pub extern "C" fn dlpjet_action_name(action: dlpjet_action) -> *const c_char {
    static NAMES: std::sync::OnceLock<Vec<CString>> = std::sync::OnceLock::new();
    let names =
        NAMES.get_or_init(|| Action::BY_CODE.iter().map(|a| CString::new(a.as_str()).unwrap_or_default()).collect());
    match usize::try_from(action).ok().and_then(|i| names.get(i)) {
        Some(name) => name.as_ptr(),
        None => std::ptr::null(),
    }
}

/// One finding: which detector, where (byte offsets into the scanned buffer, `end` exclusive),
/// how sure, and what the policy does with it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct dlpjet_finding {
    /// The detector id (`"credit_card"`, `"email"`, or a policy's own id), NUL-terminated.
    /// Owned by the library: valid as long as the object the finding came from (the scanner
    /// for dlpjet_scan, the result object otherwise).
    pub detector: *const c_char,
    /// Offset of the first byte.
    pub start: usize,
    /// Offset just past the last byte.
    pub end: usize,
    /// How sure the detector is, from 0 to 1.
    pub confidence: f32,
    /// A dlpjet_action.
    pub action: dlpjet_action,
}

impl dlpjet_finding {
    /// An all-zero finding, for filling caller buffers in tests and examples.
    pub const EMPTY: dlpjet_finding =
        dlpjet_finding { detector: std::ptr::null(), start: 0, end: 0, confidence: 0.0, action: DLPJET_ALLOW };
}

/// The detector ids of one tenant as C strings, shared by its scanner and every result object
/// made from it, so that a finding's `detector` stays valid as long as its owner does.
#[derive(Debug)]
pub(crate) struct Ids(HashMap<Box<str>, CString>);

impl Ids {
    pub fn of(tenant: &Tenant) -> Arc<Ids> {
        let mut ids = HashMap::new();
        for p in tenant.plans() {
            // Detector ids are ASCII letters, digits, '_', '-' and '.': never a NUL.
            if let Ok(c) = CString::new(p.id.as_str()) {
                ids.insert(p.id.as_str().into(), c);
            }
        }
        Arc::new(Ids(ids))
    }

    pub fn get(&self, id: &str) -> *const c_char {
        self.0.get(id).map_or(c"unknown".as_ptr(), |c| c.as_ptr())
    }

    pub fn finding(&self, f: &Finding, a: Action) -> dlpjet_finding {
        dlpjet_finding {
            detector: self.get(&f.detector),
            start: f.start,
            end: f.end,
            confidence: f.confidence,
            action: action(a),
        }
    }

    pub fn decided(&self, d: &DecidedFinding) -> dlpjet_finding {
        self.finding(&d.finding, d.action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dlpjet_policy::Direction;
    use std::ffi::CStr;

    /// The header's constants are literals (cbindgen writes them as such); they must be the
    /// policy crate's codes.
    #[test]
    fn the_header_constants_are_the_policy_codes() {
        let actions = [
            (Action::Allow, DLPJET_ALLOW),
            (Action::Warn, DLPJET_WARN),
            (Action::Redact, DLPJET_REDACT),
            (Action::Block, DLPJET_BLOCK),
            (Action::Tokenize, DLPJET_TOKENIZE),
        ];
        assert_eq!(actions.len(), Action::BY_CODE.len());
        for (a, c) in actions {
            assert_eq!(action(a), c);
            // SAFETY: a non-NULL result of dlpjet_action_name is a static NUL-terminated string.
            let name = unsafe { CStr::from_ptr(dlpjet_action_name(c)) };
            assert_eq!(name.to_str().unwrap(), a.as_str());
        }
        assert!(dlpjet_action_name(5).is_null());
        for (d, c) in [
            (Direction::Inbound, DLPJET_INBOUND),
            (Direction::Outbound, DLPJET_OUTBOUND),
            (Direction::Both, DLPJET_BOTH),
        ] {
            assert_eq!(u32::from(d.code()), c);
        }
    }
}
