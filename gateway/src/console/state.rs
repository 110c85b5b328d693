//! The running console's state: its configuration, members and sessions, the activity index,
//! the OpenID Connect relying party, sign-in attempt counts; and its audit records.

use super::error::ConsoleError;
use super::index::Index;
use super::oidc::Oidc;
use super::request::Visitor;
use super::store::Store;
use crate::config::ConsoleConfig;
use crate::server::Gateway;
use dlpjet_audit::{AuditEvent, EventAction};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The running console.
pub struct Console {
    pub(super) gw: Arc<Gateway>,
    pub(super) config: ConsoleConfig,
    pub(super) tls: bool,
    pub(super) store: Store,
    pub(super) index: Arc<Index>,
    /// Sign-in attempts per client address: (window start, count).
    pub(super) attempts: std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, (Instant, u32)>>,
    /// The last verification of the log: when, and its result in a line.
    pub(super) verified: std::sync::Mutex<Option<(Instant, String, bool)>>,
    /// Sign-in through an OpenID Connect provider, when configured.
    pub(super) oidc: Option<Oidc>,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console").field("listen", &self.config.listen).finish_non_exhaustive()
    }
}

impl Console {
    /// Opens the console's state and index, for a console listening on `local`; the index is
    /// caught up with the audit log in the background (a new one is built from it).
    ///
    /// # Errors
    /// The state or the index cannot be opened, or the log read.
    pub fn open(
        gw: Arc<Gateway>,
        mut config: ConsoleConfig,
        tls: bool,
        local: SocketAddr,
    ) -> Result<Console, ConsoleError> {
        // Links and the OpenID Connect redirect name the address the console really listens on
        // (`listen` may ask for any free port) unless a public URL is configured.
        if config.public_url.is_none() {
            config.public_url = Some(format!("{}://{local}", if tls { "https" } else { "http" }));
        }
        let log = gw.audit_dir().ok_or_else(|| ConsoleError::Store("the console needs an [audit] log".into()))?;
        let store = Store::open(&config.state)?;
        // Building a new index from a long log takes a while (half a minute for a million
        // records): it happens in the background, and the pages that need it say how far it is.
        let index = Arc::new(Index::open_unbuilt(&config.index_path(), &log)?);
        index.build_in_background();
        let oidc = config.oidc.clone().map(Oidc::new);
        Ok(Console { gw, config, tls, store, index, attempts: Default::default(), verified: Default::default(), oidc })
    }

    /// The console's state (members, sign-in links, sessions).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Counts a sign-in attempt from `peer`: false past `sign_in_per_minute` in a minute.
    pub(super) fn attempt_allowed(&self, peer: SocketAddr) -> bool {
        let mut a = self.attempts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        a.retain(|_, (t, _)| now.duration_since(*t) < Duration::from_secs(60));
        let e = a.entry(peer.ip()).or_insert((now, 0));
        e.1 += 1;
        e.1 <= self.config.sign_in_per_minute
    }

    /// Appends `e` to the audit log, durably, before the answer leaves.
    pub(super) fn audit(&self, e: AuditEvent) {
        if let Err(err) = self.gw.append_audit(&e) {
            eprintln!("dlpjet console: audit record not written: {err}");
        }
    }

    /// A console audit record: `who` (an address, when known) did `action` to `target` in
    /// `tenant`, from `peer`.
    pub(super) fn event(
        tenant: &str,
        action: EventAction,
        who: Option<&str>,
        target: &str,
        peer: SocketAddr,
    ) -> AuditEvent {
        let e = AuditEvent::new(tenant, action).target(target.to_string()).detail("client_ip", peer.ip().to_string());
        match who {
            Some(w) => e.actor(format!("console:{w}")),
            None => e,
        }
    }

    /// Audits a refusal.
    pub(super) fn audit_denied(&self, tenant: &str, who: Option<&Visitor>, path: &str, why: &str, peer: SocketAddr) {
        let who = who.map(|v| v.email.as_str());
        self.audit(Console::event(tenant, EventAction::Denied, who, path, peer).detail("reason", why.to_string()));
    }
}
