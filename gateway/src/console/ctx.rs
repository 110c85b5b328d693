//! What a page handler works with: who asks, about which tenant, with which role there.

use super::error::ConsoleError;
use super::html;
use super::request::Visitor;
use super::state::Console;
use crate::server::reply::Body;
use dlpjet_audit::EventAction;
use dlpjet_vault::Role;
use hyper::Response;
use std::net::SocketAddr;

/// What a page handler works with: who asks, about which tenant, with which role there.
pub(super) struct Ctx<'a> {
    pub(super) console: &'a Console,
    pub(super) visitor: &'a Visitor,
    pub(super) tenant: &'a str,
    pub(super) role: Role,
    pub(super) peer: SocketAddr,
}

impl Ctx<'_> {
    /// Whether the visitor is an admin or owner of the tenant (sees all its activity and keys).
    pub(super) fn admin(&self) -> bool {
        matches!(self.role, Role::Owner | Role::Admin)
    }

    /// Refuses unless the visitor is an admin or owner.
    pub(super) fn need_admin(&self, what: &str) -> Result<(), ConsoleError> {
        if self.admin() {
            Ok(())
        } else {
            Err(ConsoleError::Denied(format!("{what} needs the admin or owner role in {}", self.tenant)))
        }
    }

    /// The page shell around `body`.
    pub(super) fn page(&self, title: &str, body: &str) -> Response<Body> {
        html::page(title, body, Some(self.shell()))
    }

    pub(super) fn shell(&self) -> html::Shell<'_> {
        html::Shell {
            email: &self.visitor.email,
            csrf: &self.visitor.csrf,
            tenant: self.tenant,
            role: self.role,
            tenants: &self.visitor.tenants,
        }
    }

    /// Appends an audit record of something the visitor did.
    pub(super) fn audit(&self, action: EventAction, target: String, details: &[(&str, String)]) {
        let mut e = Console::event(self.tenant, action, Some(&self.visitor.email), &target, self.peer);
        for (k, v) in details {
            e = e.detail(*k, v.clone());
        }
        self.console.audit(e);
    }
}
