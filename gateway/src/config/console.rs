//! `[console]`: the web console a security team reads the gateway's decisions in and manages
//! keys and policies with. Off unless the table is there.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// `[console]`
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    /// Its own listener (never the API's): keep it on an internal address.
    pub listen: SocketAddr,
    /// The address people reach it at (`https://dlp.example.com`), for sign-in links and the
    /// OpenID Connect redirect. Default: `http://` and `listen`.
    #[serde(default)]
    pub public_url: Option<String>,
    /// The console's own state (members and their roles, sign-in links, sessions), SQLite;
    /// relative to the configuration file.
    #[serde(default = "default_state")]
    pub state: PathBuf,
    /// The activity index (SQLite) built beside the audit log; rebuilt from the log when
    /// missing, never the source of truth. Default: `console-index.db` beside `state`.
    #[serde(default)]
    pub index: Option<PathBuf>,
    /// How long a session lasts at most, in hours (default 720: 30 days).
    #[serde(default = "default_lifetime")]
    pub session_hours: u64,
    /// A session unused this long ends, in minutes (default 720: 12 hours).
    #[serde(default = "default_idle")]
    pub idle_minutes: u64,
    /// How long a sign-in link from `dlpjet console invite` stays valid, in hours (default 24).
    #[serde(default = "default_invite")]
    pub invite_hours: u64,
    /// Sign-in attempts per client address and minute (default 10).
    #[serde(default = "default_attempts")]
    pub sign_in_per_minute: u32,
    /// Sign-in through an OpenID Connect provider (Google, Okta, Keycloak, …).
    #[serde(default)]
    pub oidc: Option<OidcConfig>,
}

/// `[console.oidc]`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The issuer URL (`https://accounts.google.com`, a Keycloak realm's URL, …); its
    /// `/.well-known/openid-configuration` says where to send people and where the keys are.
    pub issuer: String,
    /// The client id registered with the provider.
    pub client_id: String,
    /// A file holding the client secret (relative to the configuration file).
    pub client_secret_file: PathBuf,
    /// The secret read from `client_secret_file` when the configuration is loaded.
    #[serde(skip)]
    pub client_secret: Option<super::Secret>,
}

impl ConsoleConfig {
    /// The session's longest life.
    pub fn session_lifetime(&self) -> Duration {
        Duration::from_secs(self.session_hours.saturating_mul(3600))
    }

    /// How long an unused session lasts.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_minutes.saturating_mul(60))
    }

    /// How long a sign-in link is valid.
    pub fn invite_lifetime(&self) -> Duration {
        Duration::from_secs(self.invite_hours.saturating_mul(3600))
    }

    /// The index file.
    pub fn index_path(&self) -> PathBuf {
        self.index.clone().unwrap_or_else(|| self.state.with_file_name("console-index.db"))
    }

    /// The public base URL, without a trailing `/`.
    pub fn base_url(&self, tls: bool) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("{}://{}", if tls { "https" } else { "http" }, self.listen),
        }
    }

    pub(super) fn check(&self) -> Result<(), String> {
        if self.session_hours == 0 || self.idle_minutes == 0 || self.invite_hours == 0 {
            return Err("console: session_hours, idle_minutes and invite_hours must be at least 1".into());
        }
        if self.sign_in_per_minute == 0 {
            return Err("console.sign_in_per_minute: at least 1".into());
        }
        if let Some(o) = &self.oidc {
            let local =
                ["http://127.0.0.1", "http://localhost", "http://[::1]"].iter().any(|p| o.issuer.starts_with(p));
            if !o.issuer.starts_with("https://") && !local {
                return Err(format!("console.oidc.issuer: {:?} must be https:// (http:// only on loopback)", o.issuer));
            }
            if o.client_id.is_empty() {
                return Err("console.oidc.client_id: empty".into());
            }
        }
        if let Some(u) = &self.public_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(format!("console.public_url: {u:?} is not an http:// or https:// URL"));
            }
        }
        Ok(())
    }
}

fn default_state() -> PathBuf {
    PathBuf::from("console.db")
}

fn default_lifetime() -> u64 {
    720
}

fn default_idle() -> u64 {
    720
}

fn default_invite() -> u64 {
    24
}

fn default_attempts() -> u32 {
    10
}
