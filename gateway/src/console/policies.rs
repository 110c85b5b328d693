//! Policies: a tenant's effective policy (inheritance resolved) read-only, with what `policy
//! check` reports of its imports, and a "try it" box that evaluates a pasted text and shows
//! the decision with masked previews and the reasons for each candidate.

use super::ctx::Ctx;
use super::error::ConsoleError;
use super::html::esc;
use super::request::Form;
use crate::server::reply::Body;
use dlpjet_policy::Direction;
use hyper::Response;
use std::fmt::Write as _;

/// The policy the gateway applies to `name`'s traffic: its own, or the default policy when the
/// policy file has none for it (as the gateway does); and whether it is its own.
fn effective<'a>(
    set: &'a dlpjet_policy::PolicySet,
    name: &str,
) -> Result<(&'a dlpjet_policy::Tenant, bool), ConsoleError> {
    match set.tenant(name) {
        Ok(t) => Ok((t, true)),
        Err(_) => set.tenant("default").map(|t| (t, false)).map_err(|e| ConsoleError::Invalid(e.to_string())),
    }
}

/// The policies page; `tried` is the result of the "try it" box.
pub fn page(ctx: &Ctx<'_>, tried: Option<String>) -> Result<Response<Body>, ConsoleError> {
    ctx.need_admin("the policies page")?;
    let set = ctx.console.gw.policy();
    let (tenant, own) = effective(&set, ctx.tenant)?;
    let mut b = String::new();
    let _ = write!(
        b,
        r#"<form method="post" action="/policies/try" id="try-form">{}<label for="text">Try a text against this tenant's policy (nothing is stored or logged but the decision)</label><textarea name="text" id="text"></textarea><label>Direction <select name="direction"><option value="inbound">inbound (requests)</option><option value="outbound">outbound (answers)</option></select></label> <button id="try">Evaluate</button></form>"#,
        ctx.shell().hidden()
    );
    if let Some(t) = tried {
        b.push_str(&t);
    }
    let _ = write!(
        b,
        r#"<h2>Effective policy of {}</h2><p class="note">{}From {}; default action <strong>{}</strong>{}.</p>"#,
        esc(ctx.tenant),
        if own { "" } else { "The policy file has no section for this tenant: the default policy applies. " },
        esc(&set.file().map(|p| p.display().to_string()).unwrap_or_else(|| "the built-in policy".into())),
        tenant.default_action().as_str(),
        tenant.limit().map(|(n, on)| format!("; scans the first {n} bytes, then {on:?}")).unwrap_or_default()
    );
    b.push_str(r#"<table id="plans"><thead><tr><th>Detector</th><th>Action</th><th class="num">Min confidence</th><th>Redaction</th><th>Direction</th></tr></thead><tbody>"#);
    for p in tenant.plans() {
        let _ = write!(
            b,
            r#"<tr><td>{}</td><td><span class="action action-{a}">{a}</span></td><td class="num">{:.2}</td><td>{}</td><td>{}</td></tr>"#,
            esc(&p.id),
            p.min_confidence,
            p.style,
            p.direction.as_str(),
            a = p.action.as_str(),
        );
    }
    b.push_str("</tbody></table><h2>Policy check</h2>");
    if set.imports().is_empty() {
        b.push_str("<p>No imported rule sets.</p>");
    }
    for r in set.imports() {
        let _ = write!(
            b,
            "<h3>{}</h3><p>{} rules, {} loaded, {} skipped, {} parts left out.</p>",
            esc(&r.path.display().to_string()),
            r.rules,
            r.loaded.len(),
            r.skipped.len(),
            r.parts.len()
        );
        if !(r.skipped.is_empty() && r.parts.is_empty() && r.notes.is_empty()) {
            b.push_str("<ul>");
            for (id, why) in &r.skipped {
                let _ = write!(b, "<li>skipped {}: {}</li>", esc(id), esc(why));
            }
            for (id, why) in &r.parts {
                let _ = write!(b, "<li>part of {}: {}</li>", esc(id), esc(why));
            }
            for n in &r.notes {
                let _ = write!(b, "<li>{}</li>", esc(n));
            }
            b.push_str("</ul>");
        }
    }
    Ok(ctx.page("Policies", &b))
}

/// Evaluates the pasted text; shows the decision, each finding's detector, action and masked
/// preview, and why each candidate was reported or not. The text itself is never echoed.
pub fn try_it(ctx: &Ctx<'_>, f: &Form) -> Result<Response<Body>, ConsoleError> {
    ctx.need_admin("trying the policy")?;
    let text = f.get("text").unwrap_or("");
    let direction = match f.get("direction").unwrap_or("inbound") {
        "inbound" => Direction::Inbound,
        "outbound" => Direction::Outbound,
        d => return Err(ConsoleError::Invalid(format!("direction {d:?}: inbound or outbound"))),
    };
    let set = ctx.console.gw.policy();
    let (tenant, _) = effective(&set, ctx.tenant)?;
    let d = tenant.evaluate(direction, text.as_bytes());
    let mut s = format!(
        r#"<section id="decision"><h2>Decision: <span class="action action-{a}">{a}</span></h2>"#,
        a = d.action.as_str()
    );
    if let Some(r) = &d.reason {
        let _ = write!(s, "<p>{}</p>", esc(&r.to_string()));
    }
    if d.findings.is_empty() {
        s.push_str("<p>No findings.</p>");
    } else {
        s.push_str(r#"<table id="try-findings"><thead><tr><th>Detector</th><th>Action</th><th>Where</th><th>Masked preview</th><th class="num">Confidence</th></tr></thead><tbody>"#);
        for x in &d.findings {
            let f = &x.finding;
            let value = text.as_bytes().get(f.start..f.end).unwrap_or_default();
            let _ = write!(
                s,
                r#"<tr><td>{}</td><td>{}</td><td>[{}..{})</td><td><code>{}</code></td><td class="num">{:.2}</td></tr>"#,
                esc(&f.detector),
                x.action.as_str(),
                f.start,
                f.end,
                esc(&dlpjet::preview(value)),
                f.confidence
            );
        }
        s.push_str("</tbody></table>");
    }
    let reasons = tenant.scanner(direction).explain(text.as_bytes());
    if !reasons.is_empty() {
        s.push_str(r#"<h3>Why (explain)</h3><ul id="explain">"#);
        for r in &reasons {
            let _ = write!(s, "<li>{}</li>", esc(&r.describe(text.as_bytes())));
        }
        s.push_str("</ul>");
    }
    s.push_str("</section>");
    page(ctx, Some(s))
}
