//! dlpjet's gateway mode (`dlpjet gateway --config FILE`): an HTTP proxy in front of AI
//! providers that authenticates callers with the vault's API keys, applies the tenant's DLP
//! policy to every request before it leaves and to every answer — streamed or not — before it
//! reaches the caller, attaches the provider key from the vault on the way out, and writes one
//! audit record per request.
//!
//! The modules, bottom up: [`config`] (the configuration file), [`tls`], [`metrics`]
//! (Prometheus), [`audit_record`] (what each audit record of a request holds); [`dlp`] (a
//! strict JSON reader that keeps spans, event streams, tokenize and restore, the secrets lent
//! to a request, which strings of a provider's JSON are read and the policy applied to them,
//! DLP over streamed answers); [`limits`] (rate limits and spending caps, counted alone or in
//! Redis for several instances); [`server`] (one module per step of a request); [`console`]
//! (the web console, on a listener of its own).
//!
//! # Example
//! Which strings of a chat request DLP reads (every string but the structural ones: the
//! model's name and the role are not read):
//! ```
//! use dlpjet_gateway::dlp::{json, walk};
//!
//! let body = br#"{"model":"gpt-4o","user":"ann","messages":[{"role":"user","content":"card 4111 1111 1111 1111"}]}"#;
//! let doc = json::parse(body, 64)?;
//! let read: Vec<&str> = walk::strings(&doc).iter().filter_map(|p| p.node.as_str()).collect();
//! assert_eq!(read, ["ann", "card 4111 1111 1111 1111"]);
//! # Ok::<(), dlpjet_gateway::dlp::json::JsonError>(())
//! ```
//!
//! `dlpjet_gateway::run("gateway.toml".into())` is what `dlpjet gateway --config gateway.toml`
//! does: serve until SIGINT or SIGTERM.

#![deny(missing_docs)]

pub mod audit_record;
pub mod config;
pub mod console;
pub mod dlp;
pub mod limits;
pub mod metrics;
pub mod server;
pub mod tls;

/// Runs the gateway configured by `config` until SIGINT or SIGTERM (what
/// `dlpjet gateway --config FILE` does).
pub fn run(config: std::path::PathBuf) -> Result<(), server::StartError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| server::StartError::Other(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async {
        let mut gateway = server::Gateway::open(config)?;
        gateway.connect_shared().await?;
        let gateway = std::sync::Arc::new(gateway);
        gateway.serve().await
    })
}
