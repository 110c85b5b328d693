//! Per-tenant policy: which detectors run on which texts, and what happens on a hit
//! (allow, warn, tokenize, redact, block).
//!
//! A policy file (TOML) has a `version`, a `[default]` policy, and `[tenants.NAME]` policies
//! that inherit from `default` (or from the tenant named in `inherits`) and override pieces
//! of it. Loading validates the whole file and compiles every tenant once: a [`Scanner`]
//! per distinct detector set and an action plan. [`PolicySet::evaluate`] and
//! [`Tenant::stream`] turn findings into a [`Decision`]; [`PolicyStore`] swaps in a new
//! file while readers keep going.
//!
//! ```toml
//! version = 1
//!
//! [default]
//! default_action = "warn"              # for detectors not listed below
//! disable = ["ipv4", "ipv6"]           # or enable = ["credit_card"]: the built-ins to run
//!                                      # (detectors defined here always run unless disabled)
//! min_confidence = 0.5
//! pseudonym_key = { env = "DLPJET_PSEUDONYM_KEY" }   # or { file = "keys/default.key" }
//! limits = { max_input_bytes = 1048576, on_exceed = "block" }  # or "truncate"
//!
//! [default.detectors.credit_card]
//! action = "redact"                    # allow | warn | tokenize | redact | block
//! redact = "partial"                   # mask | partial | label | pseudonym | remove
//! keep_last = 4
//! min_confidence = 0.8
//! direction = "both"                   # inbound | outbound | both
//!
//! [default.regexes.employee_id]
//! pattern = '\bEMP-[0-9]{6}\b'
//! context = ["employee", "staff"]      # validator = "luhn" | "mod97" | "entropy" (+ entropy = 3.5)
//!
//! [default.dictionaries.projects]
//! terms = ["Bluebird", "Nightjar"]     # and/or file = "projects.txt" (one term per line)
//! case_insensitive = true
//!
//! [[default.allowlists]]
//! detectors = ["email"]                # omit for every detector
//! values = ["security@example.com"]
//! regexes = ['@example\.com$']
//!
//! [[default.imports]]
//! gitleaks = "rules/gitleaks.toml"     # relative to this file
//! action = "block"
//!
//! [tenants.acme]                       # inherits = "default" unless it names another tenant
//! [tenants.acme.detectors.email]
//! action = "block"
//! ```
//!
//! [`Scanner`]: dlpjet::Scanner
//!
//! # Example
//! ```
//! use dlpjet_policy::{Action, Direction, PolicySet, DEFAULT_TENANT};
//!
//! let set = PolicySet::from_toml(
//!     r#"
//! version = 1
//! [default]
//! default_action = "allow"
//! [default.detectors.credit_card]
//! action = "redact"
//! redact = "partial"
//! keep_last = 4
//! "#,
//!     None,
//! )?;
//! let text = b"card 4111 1111 1111 1111";
//! let decision = set.tenant(DEFAULT_TENANT)?.evaluate(Direction::Inbound, text);
//! assert_eq!(decision.action, Action::Redact);
//! assert_eq!(decision.output(text).unwrap(), b"card **** **** **** 1111");
//! # Ok::<(), dlpjet_policy::PolicyError>(())
//! ```
#![deny(missing_docs)]

mod betterleaks;
mod compile;
mod decide;
mod doc;
mod error;
mod gitleaks;
mod locate;
mod pieces;
mod resolve;
mod store;
mod stream;
mod tenant;

pub use decide::{BlockReason, DecidedFinding, Decision};
pub use doc::{Action, Direction, OnExceed};
pub use error::{PolicyError, PolicyErrorKind};
pub use gitleaks::ImportReport;
pub use pieces::Interrupted;
pub use resolve::DEFAULT_TENANT;
pub use store::PolicyStore;
pub use stream::{Blocked, PolicyStream};
pub use tenant::{DetectorPlan, PolicySet, Tenant, POLICY_VERSION, REDACT_ALL};
