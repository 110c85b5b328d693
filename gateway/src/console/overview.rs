//! The overview: requests, blocked and redacted counts and spend per day, the top detectors and
//! users, as server-rendered SVG charts (no script, nothing fetched from elsewhere).

use super::ctx::Ctx;
use super::error::ConsoleError;
use super::html::{self, esc, url};
use super::request::Form;
use crate::server::reply::Body;
use dlpjet_audit::format_rfc3339;
use hyper::Response;
use std::fmt::Write as _;

/// One day's requests, blocked, redacted or tokenized, and spend.
type Day = (u64, u64, u64, f64);

/// The overview of the last `days` days (default 30, at most 366).
pub fn page(ctx: &Ctx<'_>, f: &Form) -> Result<Response<Body>, ConsoleError> {
    let days: i64 = match f.get("days") {
        None => 30,
        Some(d) => d
            .parse()
            .ok()
            .filter(|d| (1..=366).contains(d))
            .ok_or_else(|| ConsoleError::Invalid(format!("days {d:?}: 1 to 366")))?,
    };
    ctx.console.index.fresh()?;
    let now = crate::server::now_micros();
    let day = 86_400_000_000_i64;
    let first = now.div_euclid(day) - days + 1;
    let user = (!ctx.admin()).then_some(ctx.visitor.email.as_str());
    let o = ctx.console.index.overview(ctx.tenant, user, first * day)?;
    // Every day of the period, the quiet ones included, so a spike stands out.
    let mut per: Vec<Day> = vec![(0, 0, 0, 0.0); days as usize];
    for (d, n, blocked, redacted, spend) in &o.days {
        if let Some(slot) = usize::try_from(d - first).ok().and_then(|i| per.get_mut(i)) {
            *slot = (*n, *blocked, *redacted, *spend);
        }
    }
    let label = |i: usize| format_rfc3339((first + i as i64) * day)[..10].to_string();
    let series = |pick: &dyn Fn(&Day) -> f64| -> Vec<(String, f64)> {
        per.iter().enumerate().map(|(i, p)| (label(i), pick(p))).collect()
    };
    let total: u64 = per.iter().map(|p| p.0).sum();
    let blocked: u64 = per.iter().map(|p| p.1).sum();
    let redacted: u64 = per.iter().map(|p| p.2).sum();
    let spend: f64 = per.iter().map(|p| p.3).sum();
    let mut b = String::new();
    let _ = write!(
        b,
        r#"<form method="get" action="/overview" class="filters"><input type="hidden" name="tenant" value="{}"><label>Days<input name="days" value="{days}" inputmode="numeric"></label><button>Show</button></form><p id="totals">{} requests, {} blocked, {} redacted or tokenized, spend {:.4} in the last {days} days{}.</p>"#,
        esc(ctx.tenant),
        total,
        blocked,
        redacted,
        spend,
        if user.is_some() { " (yours)" } else { "" }
    );
    b.push_str(&html::bar_chart("Requests per day", &series(&|p| p.0 as f64), "requests"));
    b.push_str(&html::bar_chart("Blocked per day", &series(&|p| p.1 as f64), "blocked"));
    b.push_str(&html::bar_chart("Redacted or tokenized per day", &series(&|p| p.2 as f64), "redacted"));
    b.push_str(&html::bar_chart("Spend per day", &series(&|p| p.3), "spend"));
    b.push_str(r#"<div class="grid">"#);
    b.push_str(&html::ranking("Top detectors", &o.detectors));
    b.push_str(&html::ranking("Top users", &o.users));
    let _ = write!(b, r#"</div><p><a href="/activity?tenant={}">See the records</a></p>"#, url(ctx.tenant));
    Ok(ctx.page("Overview", &b))
}
