//! The web console: where a security team reads what the gateway decided and manages keys,
//! members and policies. Served by the gateway on a listener of its own (`[console]`), off
//! unless configured; server-rendered HTML with a little unobtrusive JavaScript, assets
//! embedded in the binary.
//!
//! What it can show: decisions and their metadata (tenant, user, key id, action, detectors and
//! counts, model, tokens, cost, status, client address and user agent), key records and
//! secret names. What it cannot: a sensitive value (audit records hold none: counts, offsets
//! and keyed fingerprints only), a key's secret after the page that created it, a vault
//! secret's value. Every query is scoped on the server to a tenant the person is a member of,
//! and to their own records and keys when they are a member rather than an admin or owner.
//!
//! Modules, in the order a request meets them: `router` (connections, headers, which route),
//! `request` (cookies, forms, the session and CSRF checks), [`oidc`] (sign-in through a
//! provider), `ctx` (who asks about which tenant, with which role), the pages (`activity`,
//! `overview`, `keys`, `policies`, `members`, `sign_in`), drawn with [`html`]. Below them:
//! `state` (the running console), [`store`] (members, sign-in links, sessions), [`index`] (the
//! activity index) and `error`. No module imports one that imports it back (`dev/check-layout`).

mod activity;
mod ctx;
mod error;
pub mod html;
pub mod index;
mod keys;
mod members;
pub mod oidc;
mod overview;
mod policies;
mod request;
mod router;
mod sign_in;
mod state;
pub mod store;

pub use error::ConsoleError;
pub use state::Console;
pub use store::Store;
