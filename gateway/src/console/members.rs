//! Members (owners only): who may use the console for the tenant and with which role; sign-in
//! links for new members (shown once); role changes. Every change writes an audit record.

use super::ctx::Ctx;
use super::error::ConsoleError;
use super::html::{esc, url};
use super::request::Form;
use crate::server::reply::Body;
use dlpjet_audit::EventAction;
use dlpjet_vault::Role;
use hyper::Response;
use std::fmt::Write as _;

fn need_owner(ctx: &Ctx<'_>) -> Result<(), ConsoleError> {
    if ctx.role == Role::Owner {
        Ok(())
    } else {
        Err(ConsoleError::Denied(format!("managing members needs the owner role in {}", ctx.tenant)))
    }
}

/// The members page; `link` is a sign-in link just made, shown this once.
pub fn page(ctx: &Ctx<'_>, link: Option<(&str, &str)>) -> Result<Response<Body>, ConsoleError> {
    need_owner(ctx)?;
    let mut b = String::new();
    if let Some((email, link)) = link {
        let _ = write!(
            b,
            r#"<div class="status"><p>Sign-in link for {}: it works once, within {} hours. Give it to them directly.</p><p class="secret" id="invite-link">{}</p><button type="button" data-copy="invite-link" hidden>Copy</button></div>"#,
            esc(email),
            ctx.console.config.invite_hours,
            esc(link)
        );
    }
    b.push_str(r#"<table id="members"><thead><tr><th>Member</th><th>Role</th><th></th></tr></thead><tbody>"#);
    for (email, role) in ctx.console.store.members(ctx.tenant)? {
        let mut options = String::new();
        for r in ["owner", "admin", "member", "remove"] {
            let sel = if r == role.as_str() { " selected" } else { "" };
            let _ = write!(options, "<option{sel}>{r}</option>");
        }
        let _ = write!(
            b,
            r#"<tr><td>{e}</td><td>{r}</td><td><form method="post" action="/members/role">{h}<input type="hidden" name="email" value="{e}"><select name="role">{options}</select> <button>Change</button></form></td></tr>"#,
            e = esc(&email),
            r = role.as_str(),
            h = ctx.shell().hidden()
        );
    }
    let _ = write!(
        b,
        r#"</tbody></table><h2>Invite</h2><form method="post" action="/members/invite" class="filters" id="invite-form">{}<label>E-mail<input name="email" id="invite-email" type="email" required></label><label>Role<select name="role"><option>member</option><option>admin</option><option>owner</option></select></label><button id="invite">Make a sign-in link</button></form>"#,
        ctx.shell().hidden()
    );
    Ok(ctx.page("Members", &b))
}

/// Makes a one-time sign-in link for a new member.
pub fn invite(ctx: &Ctx<'_>, f: &Form) -> Result<Response<Body>, ConsoleError> {
    need_owner(ctx)?;
    let email = f.get("email").ok_or_else(|| ConsoleError::Invalid("email: whom to invite".into()))?;
    let role = Role::parse(f.get("role").unwrap_or("member")).map_err(|e| ConsoleError::Invalid(e.to_string()))?;
    let token = ctx.console.store.invite(email, ctx.tenant, role, ctx.console.config.invite_lifetime())?;
    ctx.audit(
        EventAction::PolicyChange,
        format!("member:{email}"),
        &[("change", format!("invited as {}", role.as_str()))],
    );
    let link = format!("{}/invite/{}", ctx.console.config.base_url(ctx.console.tls), url(&token));
    page(ctx, Some((email, &link)))
}

/// Changes a member's role, or removes them (`role = remove`).
pub fn set_role(ctx: &Ctx<'_>, f: &Form) -> Result<Response<Body>, ConsoleError> {
    need_owner(ctx)?;
    let email = f.get("email").ok_or_else(|| ConsoleError::Invalid("email: whose role".into()))?;
    let role = match f.get("role").unwrap_or("") {
        "remove" => None,
        r => Some(Role::parse(r).map_err(|e| ConsoleError::Invalid(e.to_string()))?),
    };
    if !ctx.console.store.members(ctx.tenant)?.iter().any(|(e, _)| e == email) {
        return Err(ConsoleError::NotFound);
    }
    ctx.console.store.set_role(email, ctx.tenant, role)?;
    ctx.audit(
        EventAction::PolicyChange,
        format!("member:{email}"),
        &[("change", role.map_or("removed".to_string(), |r| format!("role {}", r.as_str())))],
    );
    Ok(super::html::redirect(&format!("/members?tenant={}", url(ctx.tenant))))
}
