//! dlpjet's gateway mode (`dlpjet gateway --config FILE`): an HTTP proxy in front of AI
//! providers that authenticates callers with the vault's API keys, applies the tenant's DLP
//! policy to every request before it leaves and to every answer — streamed or not — before it
//! reaches the caller, attaches the provider key from the vault on the way out, and writes one
//! audit record per request.
//!
//! The modules, bottom up: [`json`] (a strict reader that keeps spans), [`sse`] (event
//! streams), [`tokens`] (tokenize and restore), [`fields`] (which strings of a provider's JSON
//! are text, and the policy applied to them), [`stream`] (DLP over streamed answers),
//! [`ratelimit`] and [`budget`] (limits per key, user, tenant, address; spending caps), [`shared`]
//! (the same counted in Redis for several instances),
//! [`metrics`] (Prometheus), [`tls`], [`config`], [`reply`] (the gateway's own responses),
//! [`server`].

pub mod budget;
pub mod config;
pub mod fields;
pub mod json;
pub mod metrics;
pub mod ratelimit;
pub mod reply;
pub mod server;
pub mod shared;
pub mod sse;
pub mod stream;
pub mod tls;
pub mod tokens;

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
