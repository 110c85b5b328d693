//! The gateway's configuration file (TOML). Every table refuses keys it does not know, and an
//! error names the file, the field and what is wrong with it.
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! policy = "policy.toml"            # optional; without it every detector redacts
//! instance = "gw-1"                 # written into every audit record
//!
//! [vault]
//! path = "dlpjet-vault.db"          # API keys of callers, provider keys (proxied secrets)
//! # postgres = "postgresql://dlpjet@db:5432/dlpjet"   # instead, shared by several instances
//! master_key_file = "master.key"    # or DLPJET_VAULT_MASTER_KEY in the environment
//!
//! [audit]
//! dir = "audit"                     # one record per request
//! wait_for_commit = true            # answers leave once their record is durable
//! checkpoint_key_file = "audit.key" # optional: signed checkpoints (`dlpjet audit keygen`)
//!
//! [[upstreams]]
//! name = "openai"
//! kind = "openai"                   # or "anthropic"
//! base_url = "https://api.openai.com/v1"
//! key = "openai"                    # the vault secret, in the caller's tenant
//!
//! [models."gpt-4o-mini"]            # what callers ask for
//! route = [{ upstream = "openai", model = "gpt-4o-mini" }]
//! input_price = 0.15                # per million tokens, for budgets
//! output_price = 0.60
//!
//! [rate_limits]                     # token buckets; 429 with Retry-After
//! per_key = { requests_per_minute = 600 }
//! per_ip = { requests_per_minute = 1200, burst = 200 }
//!
//! [cors]                            # browsers: off unless origins are listed
//! allow_origins = ["https://chat.example.com"]
//!
//! [tls]                             # HTTPS on the listener when both are set
//! cert_file = "cert.pem"
//! key_file = "key.pem"
//! upstream_ca_file = "corp-ca.pem"  # extra roots for https:// upstreams
//!
//! [shared]                          # several instances: limits and budgets in Redis
//! redis = "redis://127.0.0.1:6379/0"
//!
//! [console]                         # the web console, on a listener of its own
//! listen = "127.0.0.1:8081"         # needs [audit]; `dlpjet console invite` signs people in
//!
//! [budgets]                         # needs [audit]: spend is counted from it
//! period = "month"                  # day | month | total
//! tenants = { acme = 500.0 }
//! ```

mod console;
mod limits;

pub use console::{ConsoleConfig, OidcConfig};
pub use limits::Limits;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A configuration that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ConfigError {
    /// The configuration file.
    pub file: String,
    /// What is wrong, with the field's path and position when known.
    pub message: String,
    /// The I/O error, when the file could not be read.
    #[source]
    pub source: Option<std::io::Error>,
}

/// Which wire format an upstream speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// OpenAI's API (and the many compatible ones): `Authorization: Bearer`.
    OpenAi,
    /// Anthropic's Messages API: `x-api-key` and `anthropic-version`.
    Anthropic,
}

impl ProviderKind {
    /// The kind's name as written in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::OpenAi => "openai",
            ProviderKind::Anthropic => "anthropic",
        }
    }
}

/// The configuration file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The policy file (relative to the configuration file).
    #[serde(default)]
    pub policy: Option<PathBuf>,
    /// This instance's name in audit records.
    #[serde(default = "default_instance")]
    pub instance: String,
    /// The vault with callers' API keys and the provider keys.
    pub vault: VaultConfig,
    /// Where audit records go.
    #[serde(default)]
    pub audit: Option<AuditConfig>,
    /// Size limits and timeouts.
    #[serde(default)]
    pub limits: Limits,
    /// The providers.
    #[serde(default)]
    pub upstreams: Vec<Upstream>,
    /// Model aliases callers use, each an ordered list of upstreams to try.
    #[serde(default)]
    pub models: BTreeMap<String, Model>,
    /// Request rates per API key, user, tenant and client address.
    #[serde(default)]
    pub rate_limits: RateLimits,
    /// State shared with other instances (Redis): rate limits and budgets.
    #[serde(default)]
    pub shared: Option<SharedConfig>,
    /// Spending caps.
    #[serde(default)]
    pub budgets: Budgets,
    /// Whether `GET /metrics` serves Prometheus metrics (default true).
    #[serde(default = "yes")]
    pub metrics: bool,
    /// A file holding a bearer token that `GET /metrics` then requires. Without it (the
    /// default) metrics are served without authentication on the API listener: their labels
    /// hold no tenant, user, key or value, but request counts and latencies are visible to
    /// whoever reaches the port.
    #[serde(default)]
    pub metrics_token_file: Option<PathBuf>,
    /// The token read from `metrics_token_file` when the file is loaded.
    #[serde(skip)]
    pub metrics_token: Option<Secret>,
    /// Cross-origin requests from browsers; refused unless an origin is listed.
    #[serde(default)]
    pub cors: Cors,
    /// TLS for the listener and for `https://` upstreams.
    #[serde(default)]
    pub tls: Tls,
    /// How DLP treats what it cannot read as text.
    #[serde(default)]
    pub dlp: Dlp,
    /// The web console (off unless configured; needs `[audit]`).
    #[serde(default)]
    pub console: Option<ConsoleConfig>,
}

/// `[dlp]`
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dlp {
    /// Base64 payloads that are neither text, an image nor audio (a PDF, an archive), in
    /// either direction: `"refuse"` (the default: 403 `unscanned_file`) or `"pass"` (passed
    /// unread, and counted under `unscanned_file` in the audit record).
    #[serde(default)]
    pub opaque_files: crate::dlp::fields::OpaqueFiles,
    /// Name the detectors that warned on a streamed answer in an SSE comment before its last
    /// event (`: x-dlpjet-warning: email`): a header cannot be added once the stream started.
    /// Off by default: strict clients may not expect comments.
    #[serde(default)]
    pub stream_warning_comment: bool,
    /// What a `tokenize` finding does on `/v1/embeddings`, where no answer brings the token
    /// back: `"redact"` (the default: the token is embedded instead of the value), `"refuse"`
    /// (403, naming the detector) or `"allow"` (the value itself is embedded; the audit record
    /// says `allow` for those detectors).
    #[serde(default)]
    pub tokenize_on_embeddings: EmbeddingsTokenize,
}

/// `[dlp] tokenize_on_embeddings`
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmbeddingsTokenize {
    /// The value is replaced by its token, which is what gets embedded.
    #[default]
    Redact,
    /// The request is refused.
    Refuse,
    /// The value is sent as it is: an explicit opt-out, audited as `allow`.
    Allow,
}

/// A bearer token read from a file: never printed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(pub zeroize::Zeroizing<String>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// `[tls]`
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tls {
    /// The listener's certificate chain (PEM, leaf first). With `key_file`, the gateway
    /// serves HTTPS only (and sends HSTS).
    #[serde(default)]
    pub cert_file: Option<PathBuf>,
    /// The listener's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// More certificate authorities (PEM) to trust for `https://` upstreams, besides the
    /// Mozilla roots built in (a corporate proxy's CA, say).
    #[serde(default)]
    pub upstream_ca_file: Option<PathBuf>,
}

fn yes() -> bool {
    true
}

/// `[cors]`
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cors {
    /// Origins allowed to call the gateway from a browser (`"https://app.example.com"`),
    /// compared exactly; none by default.
    #[serde(default)]
    pub allow_origins: Vec<String>,
    /// How long a browser may cache a preflight answer, in seconds.
    #[serde(default = "default_cors_max_age")]
    pub max_age_secs: u32,
}

fn default_cors_max_age() -> u32 {
    600
}

fn default_instance() -> String {
    "gateway".into()
}

/// `[vault]`
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultConfig {
    /// The vault's SQLite file (one instance).
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// Or a PostgreSQL database that several instances share
    /// (`postgresql://user@host:port/db`; the password from the URL or `PGPASSWORD`).
    #[serde(default)]
    pub postgres: Option<String>,
    /// A file holding the master key (64 hex digits); otherwise `DLPJET_VAULT_MASTER_KEY`.
    #[serde(default)]
    pub master_key_file: Option<PathBuf>,
}

/// `[shared]`: several instances behind a load balancer count rate limits and budgets in one
/// Redis.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedConfig {
    /// `redis://[user:password@]host:port/db`. The connection is not encrypted (`rediss://`
    /// is refused): keep the server on a private network.
    pub redis: String,
    /// Prefix of every key the gateway writes, so several deployments can share a server.
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// How long a budget hold of an instance that died (and so never settled it) counts, in
    /// seconds.
    #[serde(default = "default_hold_ttl")]
    pub hold_ttl_secs: u64,
}

impl std::fmt::Debug for SharedConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedConfig")
            .field("redis", &redact_url(&self.redis))
            .field("prefix", &self.prefix)
            .field("hold_ttl_secs", &self.hold_ttl_secs)
            .finish()
    }
}

fn default_prefix() -> String {
    "dlpjet".into()
}

fn default_hold_ttl() -> u64 {
    900
}

/// `[audit]`
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// The audit log's directory.
    pub dir: PathBuf,
    /// Whether an answer waits until its record is durable (default). Without it records are
    /// group-committed in the background: answers gain the fsync's latency back, and a crash
    /// can lose the records of the last moments (a clean shutdown writes them all).
    #[serde(default = "yes")]
    pub wait_for_commit: bool,
    /// A checkpoint signing key (`dlpjet audit keygen FILE`; relative to the configuration
    /// file): the log then signs a checkpoint of its size and Merkle root every
    /// `checkpoint_every` records, and the console checks them with the key's public half.
    #[serde(default)]
    pub checkpoint_key_file: Option<PathBuf>,
    /// Records between signed checkpoints (default 10,000).
    #[serde(default = "default_checkpoint_every")]
    pub checkpoint_every: u64,
}

fn default_checkpoint_every() -> u64 {
    10_000
}

/// `[rate_limits]`: token buckets per scope. A scope without an entry is not limited; an API
/// key's own `rate_limit` (requests per minute, set with `dlpjet keys create --rate`) replaces
/// `per_key` for that key.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    /// Per API key.
    #[serde(default)]
    pub per_key: Option<Rate>,
    /// Per user (over all of the user's keys).
    #[serde(default)]
    pub per_user: Option<Rate>,
    /// Per tenant (over all of its users).
    #[serde(default)]
    pub per_tenant: Option<Rate>,
    /// Per client IP address, checked before authentication.
    #[serde(default)]
    pub per_ip: Option<Rate>,
}

/// One token bucket's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    /// The sustained rate.
    pub requests_per_minute: u32,
    /// How many requests may come at once after a quiet spell (default: a minute's worth).
    #[serde(default)]
    pub burst: Option<u32>,
}

/// `[budgets]`: spending caps, in the currency of the models' prices.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Budgets {
    /// The window spend is counted over: `"day"` and `"month"` start at midnight UTC,
    /// `"total"` never resets.
    pub period: Period,
    /// The cap of each tenant.
    pub tenants: BTreeMap<String, f64>,
    /// Output tokens assumed for a request that does not set `max_tokens`, when estimating
    /// what it may cost before it is sent.
    pub default_output_tokens: u64,
}

impl Default for Budgets {
    fn default() -> Budgets {
        Budgets { period: Period::Month, tenants: BTreeMap::new(), default_output_tokens: 4096 }
    }
}

/// A budget window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// From midnight UTC.
    Day,
    /// From the first of the month, midnight UTC.
    Month,
    /// Since the audit log began.
    Total,
}

impl Period {
    /// The name used in messages: `"day"`, `"month"`, `"total"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Month => "month",
            Period::Total => "total",
        }
    }
}

/// `[[upstreams]]`: one provider endpoint.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upstream {
    /// The name routes refer to.
    pub name: String,
    /// Its wire format.
    pub kind: ProviderKind,
    /// Its base URL, up to and including the version (`https://api.openai.com/v1`). For an
    /// Anthropic upstream the host alone (`https://api.anthropic.com`, the Anthropic SDK's
    /// convention) means the same as with `/v1`.
    pub base_url: String,
    /// The vault secret holding its key (a proxied secret of the caller's tenant).
    pub key: String,
}

/// `[models.ALIAS]`
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// Upstreams to try in order.
    pub route: Vec<Target>,
    /// Price per million input tokens (for budgets), in the budget's currency.
    #[serde(default)]
    pub input_price: f64,
    /// Price per million output tokens.
    #[serde(default)]
    pub output_price: f64,
}

/// One step of a route.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// The upstream's name.
    pub upstream: String,
    /// The model name that upstream knows.
    pub model: String,
}

impl Upstream {
    /// The URL of `path` (`/chat/completions`, `/messages`) on this upstream, with the
    /// caller's `query` (`api-version=…` for Azure OpenAI) when there is one.
    pub fn url(&self, path: &str, query: Option<&str>) -> String {
        let base = self.base_url.trim_end_matches('/');
        let version = if self.kind == ProviderKind::Anthropic && !base.ends_with("/v1") { "/v1" } else { "" };
        match query.filter(|q| !q.is_empty()) {
            Some(q) => format!("{base}{version}{path}?{q}"),
            None => format!("{base}{version}{path}"),
        }
    }
}

impl Config {
    /// Reads and checks `path`; relative paths in it are taken from its directory.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            message: "cannot read".into(),
            source: Some(e),
        })?;
        let mut c = Config::from_toml(&text).map_err(|message| ConfigError { file, message, source: None })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        if let Some(p) = &mut c.policy {
            resolve(p);
        }
        if let Some(p) = &mut c.vault.path {
            resolve(p);
        }
        if let Some(p) = &mut c.vault.master_key_file {
            resolve(p);
        }
        if let Some(a) = &mut c.audit {
            resolve(&mut a.dir);
            if let Some(k) = &mut a.checkpoint_key_file {
                resolve(k);
            }
        }
        if let Some(k) = &mut c.console {
            resolve(&mut k.state);
            if let Some(i) = &mut k.index {
                resolve(i);
            }
            if let Some(o) = &mut k.oidc {
                resolve(&mut o.client_secret_file);
                let secret = std::fs::read_to_string(&o.client_secret_file).map_err(|e| ConfigError {
                    file: o.client_secret_file.display().to_string(),
                    message: "console.oidc.client_secret_file: cannot read".into(),
                    source: Some(e),
                })?;
                o.client_secret = Some(Secret(zeroize::Zeroizing::new(secret.trim().to_string())));
            }
        }
        for p in [&mut c.tls.cert_file, &mut c.tls.key_file, &mut c.tls.upstream_ca_file, &mut c.metrics_token_file]
            .into_iter()
            .flatten()
        {
            resolve(p);
        }
        if let Some(p) = &c.metrics_token_file {
            let token = std::fs::read_to_string(p).map_err(|e| ConfigError {
                file: p.display().to_string(),
                message: "metrics_token_file: cannot read".into(),
                source: Some(e),
            })?;
            let token = token.trim();
            if token.len() < 16 {
                return Err(ConfigError {
                    file: p.display().to_string(),
                    message: "metrics_token_file: the token must be at least 16 characters".into(),
                    source: None,
                });
            }
            c.metrics_token = Some(Secret(zeroize::Zeroizing::new(token.to_string())));
        }
        Ok(c)
    }

    /// Parses and checks configuration text; the error names the field and its line.
    pub fn from_toml(text: &str) -> Result<Config, String> {
        let de = toml::Deserializer::parse(text).map_err(|e| one_line(&e.to_string()))?;
        let c: Config = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = one_line(&e.into_inner().to_string());
            if path == "." {
                inner
            } else {
                format!("{path}: {inner}")
            }
        })?;
        c.check()?;
        Ok(c)
    }

    fn check(&self) -> Result<(), String> {
        let mut names = std::collections::HashSet::new();
        for (i, u) in self.upstreams.iter().enumerate() {
            if !names.insert(u.name.as_str()) {
                return Err(format!("upstreams[{i}].name: {:?} is used twice", u.name));
            }
            if !(u.base_url.starts_with("http://") || u.base_url.starts_with("https://")) {
                return Err(format!("upstreams[{i}].base_url: {:?} is not an http:// or https:// URL", u.base_url));
            }
        }
        for (alias, m) in &self.models {
            if m.route.is_empty() {
                return Err(format!("models.{alias}.route: empty"));
            }
            let mut kinds = Vec::new();
            for (i, t) in m.route.iter().enumerate() {
                let Some(up) = self.upstreams.iter().find(|u| u.name == t.upstream) else {
                    return Err(format!("models.{alias}.route[{i}].upstream: no upstream named {:?}", t.upstream));
                };
                kinds.push(up.kind);
            }
            // A request is in one dialect (OpenAI or Anthropic) and its body goes on as written:
            // a route that mixes kinds would send one dialect's body to the other's API.
            if let Some(i) = kinds.iter().position(|k| *k != kinds[0]) {
                return Err(format!(
                    "models.{alias}.route[{i}].upstream: {:?} is an {} upstream but route[0] is {}; \
                     a model's route must use upstreams of one kind",
                    m.route[i].upstream,
                    kinds[i].as_str(),
                    kinds[0].as_str()
                ));
            }
            if m.input_price < 0.0 || m.output_price < 0.0 {
                return Err(format!("models.{alias}: prices cannot be negative"));
            }
        }
        match (&self.vault.path, &self.vault.postgres) {
            (Some(_), Some(_)) => return Err("vault: path (SQLite) or postgres, not both".into()),
            (None, None) => return Err("vault: path (an SQLite file) or postgres (a database URL) is needed".into()),
            (None, Some(url)) if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) => {
                return Err(format!("vault.postgres: {:?} is not a postgres:// or postgresql:// URL", redact_url(url)));
            }
            _ => {}
        }
        if let Some(sh) = &self.shared {
            if sh.redis.starts_with("rediss://") {
                return Err(
                    "shared.redis: TLS to Redis (rediss://) is not supported; use redis:// on a private network".into(),
                );
            }
            if !sh.redis.starts_with("redis://") {
                return Err(format!("shared.redis: {:?} is not a redis:// URL", redact_url(&sh.redis)));
            }
            if sh.prefix.is_empty() || sh.hold_ttl_secs == 0 {
                return Err("shared: prefix must not be empty and hold_ttl_secs must be positive".into());
            }
        }
        if self.tls.cert_file.is_some() != self.tls.key_file.is_some() {
            return Err("tls: cert_file and key_file go together".into());
        }
        for (i, o) in self.cors.allow_origins.iter().enumerate() {
            let ok = (o.starts_with("https://") || o.starts_with("http://"))
                && !o.ends_with('/')
                && !o.contains('*')
                && o.bytes().all(|b| b.is_ascii_graphic());
            if !ok {
                return Err(format!(
                    "cors.allow_origins[{i}]: {o:?} is not an origin (scheme://host[:port], no path, no wildcard)"
                ));
            }
        }
        let rates = &self.rate_limits;
        for (name, r) in [
            ("per_key", &rates.per_key),
            ("per_user", &rates.per_user),
            ("per_tenant", &rates.per_tenant),
            ("per_ip", &rates.per_ip),
        ] {
            if let Some(r) = r {
                if r.requests_per_minute == 0 || r.burst == Some(0) {
                    return Err(format!("rate_limits.{name}: requests_per_minute and burst must be positive"));
                }
            }
        }
        if let Some(c) = &self.console {
            c.check()?;
            if self.audit.is_none() {
                return Err("console: the console shows the audit log, so it needs an [audit] section".into());
            }
            if c.listen == self.listen && c.listen.port() != 0 {
                return Err("console.listen: the console needs a listener of its own, not the API's".into());
            }
        }
        if !self.budgets.tenants.is_empty() && self.audit.is_none() {
            return Err("budgets: spend is counted from the audit log, so budgets need an [audit] section".into());
        }
        for (tenant, cap) in &self.budgets.tenants {
            if !(cap.is_finite() && *cap >= 0.0) {
                return Err(format!("budgets.tenants.{tenant}: a budget is a non-negative amount"));
            }
        }
        if self.limits.max_json_depth == 0 || self.limits.max_body_bytes == 0 {
            return Err("limits: max_json_depth and max_body_bytes must be positive".into());
        }
        Ok(())
    }
}

/// toml's multi-line message (position, source snippet, carets, text) as one line:
/// "line 7, column 16: unknown variant …".
fn one_line(msg: &str) -> String {
    let lines: Vec<&str> = msg.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let at = lines.first().and_then(|l| l.strip_prefix("TOML parse error at "));
    let what = lines.last().map(|l| l.trim_start_matches(['|', ' ', '^']).trim()).unwrap_or_default();
    match at {
        Some(at) if lines.len() > 1 => format!("{at}: {what}"),
        _ => lines.join(" "),
    }
}

impl std::fmt::Debug for VaultConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultConfig")
            .field("path", &self.path)
            .field("postgres", &self.postgres.as_deref().map(redact_url))
            .field("master_key_file", &self.master_key_file)
            .finish()
    }
}

/// A URL with any password in it replaced by `***` (for messages).
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme + 3], &userinfo[..colon], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests;
