//! Building the scanner from the command line's detector options or policy.

use crate::args::{DetectorArgs, DirectionArg};
use anyhow::Context;
use dlpjet::{Finding, Scanner};
use dlpjet_policy::{Action, Direction, PolicySet, Tenant};

/// What the scan runs and how findings are decided.
#[derive(Clone, Debug)]
pub struct Detection {
    pub scanner: Scanner,
    /// The policy's tenant, with `--policy`.
    pub tenant: Option<Tenant>,
}

/// What every finding's action is without a policy: reported, nothing blocked or rewritten.
pub const DEFAULT_ACTION: Action = Action::Warn;

impl Detection {
    /// The action for a finding, or `None` when the policy drops it (below its minimum).
    pub fn action(&self, f: &Finding) -> Option<Action> {
        match &self.tenant {
            Some(t) => t.action_for(f),
            None => Some(DEFAULT_ACTION),
        }
    }
}

pub fn direction(d: DirectionArg) -> Direction {
    match d {
        DirectionArg::Inbound => Direction::Inbound,
        DirectionArg::Outbound => Direction::Outbound,
        DirectionArg::Both => Direction::Both,
    }
}

/// The tenant of `--policy` / `--tenant`, when given.
pub fn tenant(a: &DetectorArgs) -> anyhow::Result<Option<Tenant>> {
    let Some(path) = &a.policy else { return Ok(None) };
    // The error names the file, line, column and field already.
    let set = PolicySet::load(path).map_err(anyhow::Error::msg)?;
    let t = set.tenant(&a.tenant).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(Some(t.clone()))
}

pub fn setup(a: &DetectorArgs) -> anyhow::Result<Detection> {
    if let Some(t) = tenant(a)? {
        return Ok(Detection { scanner: t.scanner(direction(a.direction)).clone(), tenant: Some(t) });
    }
    let mut b = Scanner::builder();
    if !a.detectors.is_empty() {
        b = b.only(a.detectors.iter().map(|s| s.trim().to_string()));
    }
    if !a.exclude_detectors.is_empty() {
        b = b.exclude(a.exclude_detectors.iter().map(|s| s.trim().to_string()));
    }
    if let Some(c) = a.min_confidence {
        b = b.min_confidence(c);
    }
    let scanner = b.build().context("invalid detector options")?;
    Ok(Detection { scanner, tenant: None })
}
