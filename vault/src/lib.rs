//! dlpjet's key vault: provider keys and operational secrets encrypted at rest in an embedded
//! SQLite store (cargo feature `sqlite`, on by default) or a PostgreSQL database that several
//! gateway instances share (feature `postgres`), released only as their delivery kind allows,
//! revocable at once; and the API keys callers present, stored as hashes.
//!
//! Envelope encryption: each secret is sealed with AES-256-GCM under a data key; data keys are
//! wrapped (AES-256-GCM) by a key-encryption key derived (HKDF-SHA-256) from a master key that
//! comes from the environment or a key file and is never stored. The additional authenticated
//! data of a secret names its tenant, id, version, owner and delivery kind, so a ciphertext
//! moved to another row does not decrypt. See [`crypto`] for the nonce policy.
//!
//! - **Proxied** secrets (AI provider keys) are never returned: [`Vault::use_proxied`] lends
//!   the plaintext to a closure (the gateway's call to the provider) and wipes it after.
//! - **Injected** secrets (git tokens, database passwords) are released through a [`Lease`]
//!   with a time to live; revoking the lease or the secret stops it at once.
//! - With SQLite every secret read goes to the file, so a revocation holds for every reader in
//!   every process at once; a PostgreSQL vault keeps a secret's sealed row for at most
//!   [`KEY_CACHE_TTL`] ([`Vault::use_proxied_cached`]). API-key verification caches for at
//!   most [`KEY_CACHE_TTL`] on both.
//!
//! # Example
//! ```
//! use dlpjet_vault::{Accessor, Delivery, MasterKey, Role, Scope, Vault};
//!
//! let dir = tempfile::tempdir()?;
//! let vault = Vault::open(dir.path().join("vault.db"), &[MasterKey::generate()?])?;
//! // A provider key, lent to the gateway's call and never returned.
//! vault.put("acme", "openai", Scope::Tenant, Delivery::Proxied, b"sk-live-example")?;
//! assert_eq!(vault.use_proxied(&Accessor::tenant("acme"), "openai", |key| key.len())?, 15);
//! // An API key for a caller: shown once, stored as a hash.
//! let issued = vault.issue_key("acme", "jane", Role::Member, None, &Default::default())?;
//! assert_eq!(vault.verify_key(&issued.key)?.user, "jane");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!("dlpjet-vault needs a store: enable the feature `sqlite` (the default), `postgres`, or both");

pub mod apikeys;
pub mod crypto;
mod db;
mod keys;
mod revoke;
mod store;

pub use crypto::{MasterKey, MASTER_KEY_ENV};
pub use keys::{ApiKey, IssuedKey, Role, KEY_CACHE_TTL};
pub use store::{Accessor, Delivery, Lease, Rotation, Scope, SecretInfo, Vault};

/// What can go wrong in the vault. Messages never hold a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// The master key is missing or malformed.
    #[error("master key: {0}")]
    MasterKey(String),
    /// The master key is not the one this vault was made with (or rotated to).
    #[error("wrong master key: this vault's key id is {expected}, the key given has id {given}")]
    WrongMasterKey {
        /// The key id the vault expects.
        expected: String,
        /// The key id of the master key given.
        given: String,
    },
    /// A ciphertext or wrapped key does not decrypt: corrupted, moved, or under another key.
    #[error("cannot decrypt {what}: the stored data is corrupted or was moved (authentication failed)")]
    Corrupt {
        /// Which record.
        what: String,
    },
    /// The store could not be opened or used.
    #[error("vault store {path}: {message}")]
    Store {
        /// The database file.
        path: String,
        /// What SQLite said, and what it means here.
        message: String,
    },
    /// No such secret, lease or key, or the caller may not see it.
    #[error("not found: {0}")]
    NotFound(String),
    /// The caller may not do this.
    #[error("denied: {0}")]
    Denied(String),
    /// The secret, lease or key was revoked or has expired.
    #[error("revoked or expired: {0}")]
    Revoked(String),
    /// A key-encryption key rotation is under way or unfinished.
    #[error("master key rotation: {0}")]
    Rotation(String),
    /// Encryption could not be done.
    #[error("crypto: {0}")]
    Crypto(String),
    /// Bad input.
    #[error("invalid: {0}")]
    Invalid(String),
}
