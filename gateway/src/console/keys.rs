//! Keys: callers' API keys (listed without secrets, created with the secret shown exactly
//! once, revoked) and the tenant's vault secrets (provider keys and injected secrets: names,
//! kinds and scopes only; rotated with a new value typed in, revoked). Every change writes an
//! audit record.

use super::ctx::Ctx;
use super::error::ConsoleError;
use super::html::{esc, url};
use super::request::Form;
use crate::server::reply::Body;
use dlpjet_audit::{format_rfc3339, EventAction};
use dlpjet_vault::{Accessor, ApiKey, Role, Scope};
use hyper::Response;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

fn vault_error(e: dlpjet_vault::VaultError) -> ConsoleError {
    match e {
        dlpjet_vault::VaultError::Invalid(m) => ConsoleError::Invalid(m),
        other => ConsoleError::Store(format!("vault: {other}")),
    }
}

fn when_ms(ms: i64) -> String {
    format_rfc3339(ms.saturating_mul(1000))[..16].replace('T', " ")
}

/// The keys the visitor may see: all of the tenant's for admins and owners, their own for a
/// member.
fn visible_keys(ctx: &Ctx<'_>) -> Result<Vec<ApiKey>, ConsoleError> {
    let user = (!ctx.admin()).then_some(ctx.visitor.email.as_str());
    ctx.console.gw.vault().list_keys(ctx.tenant, user).map_err(vault_error)
}

/// The keys page; `issued` is a key just created, shown this once.
pub fn page(ctx: &Ctx<'_>, issued: Option<(&str, &str)>) -> Result<Response<Body>, ConsoleError> {
    ctx.console.index.fresh()?;
    let mut b = String::new();
    if let Some((id, secret)) = issued {
        let _ = write!(
            b,
            r#"<div class="status"><p>Key <strong>{}</strong> created. Copy it now: it is shown this once and the console cannot show it again.</p><p class="secret" id="new-key">{}</p><button type="button" data-copy="new-key" hidden>Copy</button></div>"#,
            esc(id),
            esc(secret)
        );
    }
    b.push_str("<h2>API keys</h2>");
    let keys = visible_keys(ctx)?;
    b.push_str(r#"<table id="keys"><thead><tr><th>Key id</th><th>Owner</th><th>Role</th><th>Created</th><th>Last used</th><th>Expires</th><th>Revoked</th><th></th></tr></thead><tbody>"#);
    for k in &keys {
        let last = ctx.console.index.last_used(ctx.tenant, &k.id)?.map(|t| format_rfc3339(t)[..16].replace('T', " "));
        let revoke = if k.revoked_ms.is_none() {
            format!(
                r#"<form method="post" action="/keys/{}/revoke" data-confirm="Revoke key {}? Callers using it are refused at once.">{}<button class="danger">Revoke</button></form>"#,
                esc(&url(&k.id)),
                esc(&k.id),
                ctx.shell().hidden()
            )
        } else {
            String::new()
        };
        let _ = write!(
            b,
            r#"<tr data-key="{id}"><td><code>dlpjet_live_{id}_…</code></td><td>{user}</td><td>{role}</td><td>{created}</td><td>{last}</td><td>{exp}</td><td>{rev}</td><td>{revoke}</td></tr>"#,
            id = esc(&k.id),
            user = esc(&k.user),
            role = k.role.as_str(),
            created = when_ms(k.created_ms),
            last = esc(last.as_deref().unwrap_or("never")),
            exp = k.expires_ms.map(when_ms).unwrap_or_else(|| "never".into()),
            rev = k.revoked_ms.map(when_ms).unwrap_or_default(),
        );
    }
    b.push_str("</tbody></table>");
    // Creating a key.
    let _ = write!(
        b,
        r#"<h2>New API key</h2><form method="post" action="/keys" class="filters" id="new-key-form">{}"#,
        ctx.shell().hidden()
    );
    if ctx.admin() {
        b.push_str(r#"<label>Owner (user)<input name="user" required></label><label>Role<select name="role"><option>member</option><option>admin</option>"#);
        if ctx.role == Role::Owner {
            b.push_str("<option>owner</option>");
        }
        b.push_str("</select></label>");
    } else {
        let _ = write!(b, r#"<p class="note">For you ({}), as a member.</p>"#, esc(&ctx.visitor.email));
    }
    b.push_str(r#"<label>Expires after (days, empty: never)<input name="days" inputmode="numeric"></label><button id="create-key">Create key</button></form>"#);
    if ctx.admin() {
        secrets(ctx, &mut b)?;
    }
    Ok(ctx.page("Keys", &b))
}

/// The tenant's vault secrets: names, kinds and scopes; never values.
fn secrets(ctx: &Ctx<'_>, b: &mut String) -> Result<(), ConsoleError> {
    let list = ctx.console.gw.vault().list(&Accessor::tenant(ctx.tenant)).map_err(vault_error)?;
    b.push_str(r#"<h2>Provider keys and injected secrets</h2><p class="note">Values never leave the vault: rotating stores a new version from what you type, revoking stops its use.</p>"#);
    b.push_str(r#"<table id="secrets"><thead><tr><th>Name</th><th>Kind</th><th>Scope</th><th class="num">Version</th><th>Stored</th><th>Revoked</th><th></th></tr></thead><tbody>"#);
    for s in &list {
        let scope = match &s.scope {
            Scope::Tenant => "tenant".to_string(),
            Scope::User(u) => format!("user {u}"),
        };
        let actions = if s.revoked.is_none() {
            format!(
                r#"<form method="post" action="/secrets/{id}/revoke" data-confirm="Revoke {name}?">{h}<button class="danger">Revoke</button></form><form method="post" action="/secrets/{id}/rotate">{h}<label>New value <input type="password" name="value" autocomplete="off" required></label><button>Rotate</button></form>"#,
                id = esc(&url(&s.id)),
                name = esc(&s.id),
                h = ctx.shell().hidden()
            )
        } else {
            String::new()
        };
        let _ = write!(
            b,
            r#"<tr data-secret="{}"><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td>{}</td><td>{}</td><td>{actions}</td></tr>"#,
            esc(&s.id),
            esc(&s.id),
            s.delivery.as_str(),
            esc(&scope),
            s.version,
            when_ms(s.created.saturating_mul(1000)),
            s.revoked.map(|r| when_ms(r.saturating_mul(1000))).unwrap_or_default()
        );
    }
    b.push_str("</tbody></table>");
    Ok(())
}

/// Creates a key; the page that answers shows its secret once.
pub fn create(ctx: &Ctx<'_>, f: &Form) -> Result<Response<Body>, ConsoleError> {
    let (user, role) = if ctx.admin() {
        let user = f.get("user").ok_or_else(|| ConsoleError::Invalid("user: whose key it is".into()))?;
        let role = Role::parse(f.get("role").unwrap_or("member")).map_err(vault_error)?;
        if role == Role::Owner && ctx.role != Role::Owner {
            return Err(ConsoleError::Denied("only an owner creates owner keys".into()));
        }
        (user.to_string(), role)
    } else {
        (ctx.visitor.email.clone(), Role::Member)
    };
    let ttl = match f.get("days") {
        None => None,
        Some(d) => Some(
            d.parse::<u64>()
                .ok()
                .filter(|d| (1..=3650).contains(d))
                .map(|d| Duration::from_secs(d * 86_400))
                .ok_or_else(|| ConsoleError::Invalid(format!("days {d:?}: a whole number of days, 1 to 3650")))?,
        ),
    };
    let issued =
        ctx.console.gw.vault().issue_key(ctx.tenant, &user, role, ttl, &BTreeMap::new()).map_err(vault_error)?;
    ctx.audit(
        EventAction::KeyIssued,
        format!("key:{}", issued.info.id),
        &[("user", user.clone()), ("role", role.as_str().into())],
    );
    page(ctx, Some((&issued.info.id, &issued.key)))
}

/// Revokes a key: the visitor's own, or any of the tenant's for admins and owners.
pub fn revoke(ctx: &Ctx<'_>, id: &str) -> Result<Response<Body>, ConsoleError> {
    if !visible_keys(ctx)?.iter().any(|k| k.id == id) {
        return Err(ConsoleError::Denied(format!("key {id} is not one you can revoke in {}", ctx.tenant)));
    }
    ctx.console.gw.vault().revoke_key(ctx.tenant, id).map_err(vault_error)?;
    ctx.audit(EventAction::KeyRevoked, format!("key:{id}"), &[]);
    Ok(super::html::redirect(&format!("/keys?tenant={}", url(ctx.tenant))))
}

/// Revokes a vault secret of the tenant (admins and owners).
pub fn revoke_secret(ctx: &Ctx<'_>, id: &str) -> Result<Response<Body>, ConsoleError> {
    ctx.need_admin("revoking a secret")?;
    let n = ctx.console.gw.vault().revoke_secret(ctx.tenant, id).map_err(vault_error)?;
    if n == 0 {
        return Err(ConsoleError::NotFound);
    }
    ctx.audit(EventAction::VaultWrite, format!("secret:{id}"), &[("change", "revoked".into())]);
    Ok(super::html::redirect(&format!("/keys?tenant={}", url(ctx.tenant))))
}

/// Stores a new version of a vault secret (same scope and kind) from the value typed in.
pub fn rotate_secret(ctx: &Ctx<'_>, id: &str, f: &Form) -> Result<Response<Body>, ConsoleError> {
    ctx.need_admin("rotating a secret")?;
    let value = f.get("value").ok_or_else(|| ConsoleError::Invalid("value: the new secret".into()))?;
    let list = ctx.console.gw.vault().list(&Accessor::tenant(ctx.tenant)).map_err(vault_error)?;
    let s = list.into_iter().find(|s| s.id == id).ok_or(ConsoleError::NotFound)?;
    let v = ctx.console.gw.vault().put(ctx.tenant, id, s.scope, s.delivery, value.as_bytes()).map_err(vault_error)?;
    ctx.audit(
        EventAction::VaultWrite,
        format!("secret:{id}"),
        &[("change", "rotated".into()), ("version", v.to_string())],
    );
    Ok(super::html::redirect(&format!("/keys?tenant={}", url(ctx.tenant))))
}
