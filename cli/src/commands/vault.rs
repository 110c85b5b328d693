//! `dlpjet vault …` and `dlpjet keys …`.

use crate::args::{KeysArgs, KeysCommand, VaultArgs, VaultCommand, VaultStore};
use anyhow::{bail, Context};
use dlpjet_audit::{AuditEvent, AuditLog, EventAction, Options as AuditOptions};
use dlpjet_gateway::limits::keys::{KeyLimits, BUDGET, RATE_LIMIT};
use dlpjet_vault::{Accessor, Delivery, MasterKey, Role, Scope, Vault, MASTER_KEY_ENV};
use std::io::{Read, Write};
use std::time::Duration;

fn master(s: &VaultStore) -> anyhow::Result<MasterKey> {
    Ok(match &s.master_key_file {
        Some(f) => MasterKey::from_file(f)?,
        None => MasterKey::from_env(MASTER_KEY_ENV)?,
    })
}

fn open(s: &VaultStore, extra: Option<MasterKey>) -> anyhow::Result<Vault> {
    let mut keys = Vec::new();
    keys.extend(extra);
    keys.push(master(s)?);
    // A postgres:// URL is the shared store of several gateway instances.
    Ok(match s.store.to_str() {
        Some(location) => Vault::open_at(location, &keys)?,
        None => Vault::open_existing(&s.store, &keys)?,
    })
}

/// The audit log of `--audit-dir`, opened before a change so that a log that cannot be written
/// stops the change rather than leave it unrecorded.
struct Audit(Option<AuditLog>);

impl Audit {
    fn open(s: &VaultStore) -> anyhow::Result<Audit> {
        Ok(Audit(match &s.audit_dir {
            Some(dir) => Some(
                AuditLog::open(dir, AuditOptions::default())
                    .with_context(|| format!("audit log {} (nothing was changed)", dir.display()))?,
            ),
            None => None,
        }))
    }

    /// Records a change that was made; `tenant` is whose it was.
    fn record(
        &self,
        tenant: &str,
        action: EventAction,
        target: String,
        details: &[(&str, String)],
    ) -> anyhow::Result<()> {
        let Some(log) = &self.0 else { return Ok(()) };
        let actor = std::env::var("USER").map_or_else(|_| "cli".to_string(), |u| format!("cli:{u}"));
        let mut e = AuditEvent::new(tenant, action).actor(actor).target(target.clone());
        for (k, v) in details {
            e = e.detail(*k, v.clone());
        }
        log.append(&e).with_context(|| format!("{target}: done, but its audit record could not be written"))?;
        Ok(())
    }

    fn close(self) -> anyhow::Result<()> {
        if let Some(log) = self.0 {
            log.close().context("closing the audit log")?;
        }
        Ok(())
    }
}

fn scope_name(s: &Scope) -> String {
    match s {
        Scope::Tenant => "tenant".into(),
        Scope::User(u) => format!("user:{u}"),
    }
}

fn stdin_value() -> anyhow::Result<zeroize::Zeroizing<Vec<u8>>> {
    let mut v = zeroize::Zeroizing::new(Vec::new());
    std::io::stdin().read_to_end(&mut v).context("reading the value from standard input")?;
    while v.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        v.pop();
    }
    if v.is_empty() {
        bail!("no value on standard input");
    }
    Ok(v)
}

fn who(tenant: &str, user: &Option<String>) -> Accessor {
    Accessor { tenant: tenant.to_string(), user: user.clone() }
}

pub fn run(a: VaultArgs) -> anyhow::Result<u8> {
    let mut out = std::io::stdout().lock();
    let changes = !matches!(a.command, VaultCommand::Init | VaultCommand::List { .. });
    let audit = if changes { Audit::open(&a.store)? } else { Audit(None) };
    match a.command {
        VaultCommand::Init => {
            // The one command that creates a store: every other one refuses a missing store,
            // so a mistyped --store is an error rather than a new, empty vault.
            let k = MasterKey::generate()?;
            let keys = [k.clone()];
            match a.store.store.to_str() {
                Some(l) if l.starts_with("postgres://") || l.starts_with("postgresql://") => {
                    Vault::open_at(l, &keys)?;
                }
                _ => {
                    Vault::create(&a.store.store, &keys)?;
                }
            }
            writeln!(out, "{}", &*k.to_hex())?;
            eprintln!(
                "vault {} created; keep this master key in {MASTER_KEY_ENV} or a key file (mode 0600, not \
                 beside the vault): it is not stored",
                a.store.store.display()
            );
        }
        VaultCommand::Put { tenant, id, user, injected } => {
            let v = open(&a.store, None)?;
            let scope = user.map_or(Scope::Tenant, Scope::User);
            let delivery = if injected { Delivery::Injected } else { Delivery::Proxied };
            let kind = if injected { "injected" } else { "proxied" };
            let details =
                [("operation", "put".to_string()), ("scope", scope_name(&scope)), ("delivery", kind.to_string())];
            let version = v.put(&tenant, &id, scope, delivery, &stdin_value()?)?;
            audit.record(&tenant, EventAction::VaultWrite, format!("secret {tenant}/{id} v{version}"), &details)?;
            writeln!(out, "{tenant}/{id}: version {version} stored")?;
        }
        VaultCommand::List { tenant, user } => {
            let v = open(&a.store, None)?;
            writeln!(out, "{:<24} {:<5} {:<16} {:<9} STATE", "ID", "VER", "SCOPE", "DELIVERY")?;
            for s in v.list(&who(&tenant, &user))? {
                let scope = match &s.scope {
                    Scope::Tenant => "tenant".to_string(),
                    Scope::User(u) => format!("user:{u}"),
                };
                let delivery = if s.delivery == Delivery::Proxied { "proxied" } else { "injected" };
                let state = if s.revoked.is_some() { "revoked" } else { "live" };
                writeln!(out, "{:<24} v{:<4} {:<16} {:<9} {state}", s.id, s.version, scope, delivery)?;
            }
        }
        VaultCommand::Lease { tenant, id, user, holder, ttl } => {
            let v = open(&a.store, None)?;
            let l = v.lease(&who(&tenant, &user), &id, &holder, Duration::from_secs(ttl))?;
            let details = [("operation", "lease".to_string()), ("holder", holder.clone()), ("ttl_s", ttl.to_string())];
            audit.record(&tenant, EventAction::VaultRead, format!("secret {tenant}/{id} v{}", l.version), &details)?;
            writeln!(out, "{}", l.id)?;
            eprintln!("lease of {tenant}/{id} v{} for {holder}, {ttl} s", l.version);
        }
        VaultCommand::ReadLease { lease } => {
            let v = open(&a.store, None)?;
            let (l, value) = v.read_lease_with(&lease)?;
            let details = [("operation", "read-lease".to_string()), ("holder", l.holder.clone())];
            let target = format!("secret {}/{} v{}", l.tenant, l.secret, l.version);
            // Recorded before the value is written out: a read the log cannot hold releases nothing.
            audit.record(&l.tenant, EventAction::VaultRead, target, &details)?;
            out.write_all(&value)?;
        }
        VaultCommand::Revoke { tenant, id, lease, user, every_scope, all } => {
            let v = open(&a.store, None)?;
            // The audit record of `n` versions of secret `id` revoked in `scope`.
            let secret_revoked = |id: &str, scope: &str, n: usize| {
                let details = [("operation", "revoke".into()), ("scope", scope.into()), ("versions", n.to_string())];
                audit.record(&tenant, EventAction::VaultWrite, format!("secret {tenant}/{id}"), &details)
            };
            match (id, lease, user, all) {
                (Some(id), None, None, false) if every_scope => {
                    let n = v.revoke_secret(&tenant, &id)?;
                    secret_revoked(&id, "every", n)?;
                    writeln!(out, "{tenant}/{id}: {n} versions revoked in every scope")?;
                }
                (Some(id), None, None, false) => {
                    let users: Vec<String> = v
                        .secret_scopes(&tenant, &id)?
                        .into_iter()
                        .filter_map(|s| match s {
                            Scope::User(u) => Some(u),
                            Scope::Tenant => None,
                        })
                        .collect();
                    if !users.is_empty() {
                        bail!(
                            "{tenant}/{id} is also stored for user(s) {}: name one with --user, or revoke every \
                             scope with --every-scope (nothing was revoked)",
                            users.join(", ")
                        );
                    }
                    let n = v.revoke_secret_in(&tenant, &id, &Scope::Tenant)?;
                    if n == 0 {
                        bail!("{tenant}/{id}: no live version to revoke");
                    }
                    secret_revoked(&id, "tenant", n)?;
                    writeln!(out, "{tenant}/{id}: {n} versions revoked")?;
                }
                (Some(id), None, Some(u), false) => {
                    let n = v.revoke_secret_in(&tenant, &id, &Scope::User(u.clone()))?;
                    if n == 0 {
                        bail!("{tenant}/{id}: no live version for user {u}");
                    }
                    secret_revoked(&id, &format!("user:{u}"), n)?;
                    writeln!(out, "{tenant}/{id} of {u}: {n} versions revoked")?;
                }
                (None, Some(l), None, false) => {
                    if !v.revoke_lease(&l)? {
                        bail!("no live lease {l}");
                    }
                    audit.record(
                        &tenant,
                        EventAction::VaultWrite,
                        format!("lease {l}"),
                        &[("operation", "revoke".to_string())],
                    )?;
                    writeln!(out, "lease revoked")?;
                }
                (None, None, Some(u), false) => {
                    v.revoke_all(&tenant, Some(&u))?;
                    let details = [("operation", "revoke_all".to_string()), ("scope", format!("user:{u}"))];
                    audit.record(&tenant, EventAction::VaultWrite, format!("user {tenant}/{u}"), &details)?;
                    writeln!(out, "everything of {tenant}/{u} revoked")?;
                }
                (None, None, None, true) => {
                    v.revoke_all(&tenant, None)?;
                    let details = [("operation", "revoke_all".to_string()), ("scope", "tenant".to_string())];
                    audit.record(&tenant, EventAction::VaultWrite, format!("tenant {tenant}"), &details)?;
                    writeln!(out, "everything of {tenant} revoked")?;
                }
                _ => bail!("give exactly one of --id, --lease, --user, --all"),
            }
        }
        VaultCommand::Rotate { new_key_file } => {
            let v = open(&a.store, Some(MasterKey::from_file(&new_key_file)?))?;
            let r = v.rotate()?;
            let details = [
                ("operation", "rotate".to_string()),
                ("rewrapped", r.rewrapped.to_string()),
                ("key_id", r.kek.to_string()),
            ];
            audit.record("", EventAction::VaultWrite, "master key".to_string(), &details)?;
            writeln!(out, "rotated: {} data keys rewrapped; master key id now {}", r.rewrapped, r.kek)?;
        }
    }
    audit.close()?;
    Ok(0)
}

pub fn keys(a: KeysArgs) -> anyhow::Result<u8> {
    let changes =
        matches!(a.command, KeysCommand::Create { .. } | KeysCommand::Revoke { .. } | KeysCommand::Rotate { .. });
    let audit = if changes { Audit::open(&a.store)? } else { Audit(None) };
    let v = open(&a.store, None)?;
    let mut out = std::io::stdout().lock();
    match a.command {
        KeysCommand::Create { tenant, user, role, ttl, rate, budget } => {
            let limits = KeyLimits { rate_limit: rate, budget };
            let k =
                v.issue_key(&tenant, &user, Role::parse(&role)?, ttl.map(Duration::from_secs), &limits.attributes())?;
            let details = [("user", user.clone()), ("role", role.clone())];
            audit.record(&tenant, EventAction::KeyIssued, format!("key {}", k.info.id), &details)?;
            writeln!(out, "{}", &*k.key)?;
            eprintln!("key {} for {tenant}/{user} ({role}); shown once, stored only as a hash", k.info.id);
        }
        KeysCommand::List { tenant, user } => {
            writeln!(out, "{:<12} {:<16} {:<7} {:<20} STATE LIMITS", "ID", "USER", "ROLE", "EXPIRES")?;
            for k in v.list_keys(&tenant, user.as_deref())? {
                let state = if k.revoked_ms.is_some() { "revoked" } else { "live" };
                // The gateway's limits as before; other attributes as name=value.
                let (rate, budget) = match KeyLimits::of(&k) {
                    Ok(l) => (l.rate_limit.map(|r| format!(" rate={r}/min")), l.budget.map(|b| format!(" budget={b}"))),
                    Err(e) => (Some(format!(" limits malformed: {e}")), None),
                };
                let others = k
                    .attributes
                    .iter()
                    .filter(|(n, _)| ![RATE_LIMIT, BUDGET].contains(&n.as_str()))
                    .map(|(n, v)| format!(" {n}={v}"))
                    .collect::<String>();
                let limits = format!("{}{}{others}", rate.unwrap_or_default(), budget.unwrap_or_default());
                let expires = k.expires_ms.map_or_else(
                    || "never".to_string(),
                    |ms| {
                        dlpjet_audit::format_rfc3339(ms.saturating_mul(1000)).chars().take(19).collect::<String>() + "Z"
                    },
                );
                writeln!(out, "{:<12} {:<16} {:<7} {expires:<20} {state}{limits}", k.id, k.user, k.role.as_str())?;
            }
        }
        KeysCommand::Verify => {
            let mut key = zeroize::Zeroizing::new(String::new());
            std::io::stdin().read_to_string(&mut key)?;
            match v.verify_key(key.trim()) {
                Ok(k) => writeln!(out, "ok: {} {}/{} {}", k.id, k.tenant, k.user, k.role.as_str())?,
                Err(e) => {
                    eprintln!("dlpjet: {e}");
                    return Ok(1);
                }
            }
        }
        KeysCommand::Revoke { tenant, id } => {
            v.revoke_key(&tenant, &id)?;
            audit.record(&tenant, EventAction::KeyRevoked, format!("key {id}"), &[])?;
            writeln!(out, "key {id} revoked")?;
        }
        KeysCommand::Rotate { tenant, id } => {
            let k = v.rotate_key(&tenant, &id)?;
            let replaces = [("replaces", id.clone())];
            audit.record(&tenant, EventAction::KeyIssued, format!("key {}", k.info.id), &replaces)?;
            audit.record(
                &tenant,
                EventAction::KeyRevoked,
                format!("key {id}"),
                &[("replaced_by", k.info.id.clone())],
            )?;
            writeln!(out, "{}", &*k.key)?;
            eprintln!("key {} replaces {id} (revoked); shown once", k.info.id);
        }
    }
    audit.close()?;
    Ok(0)
}
