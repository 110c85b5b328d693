//! The configuration loader's tests: good files load, bad ones name the field.

use super::*;

const GOOD: &str = r#"
        listen = "127.0.0.1:0"
        [vault]
        path = "v.db"
        [[upstreams]]
        name = "a"
        kind = "openai"
        base_url = "http://127.0.0.1:9/v1"
        key = "openai"
        [models.m]
        route = [{ upstream = "a", model = "real" }]
"#;

/// Every gateway configuration in the README loads (one once put `metrics` under
/// `[vault]`, which the loader rejects).
#[test]
fn the_readme_s_configurations_load() {
    let readme = include_str!("../../../README.md");
    let blocks: Vec<&str> = readme
        .split("```toml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .filter(|b| b.lines().any(|l| l.starts_with("listen =")))
        .collect();
    assert!(blocks.len() >= 2, "the README's gateway configurations: {}", blocks.len());
    for b in blocks {
        if let Err(e) = Config::from_toml(b) {
            panic!("a README configuration does not load: {e}\n{b}");
        }
    }
}

#[test]
fn models_use_upstreams_of_one_kind_and_anthropic_urls_take_the_host_alone() {
    let mixed = format!(
        "{GOOD}[[upstreams]]\nname = \"claude\"\nkind = \"anthropic\"\nbase_url = \"https://api.anthropic.com\"\nkey = \"k\"\n\
         [models.both]\nroute = [{{ upstream = \"claude\", model = \"c\" }}, {{ upstream = \"a\", model = \"g\" }}]\n"
    );
    let e = Config::from_toml(&mixed).unwrap_err();
    assert!(e.contains("models.both.route[1].upstream") && e.contains("one kind"), "{e}");
    let up = |kind, base_url: &str| Upstream { name: "u".into(), kind, base_url: base_url.into(), key: "k".into() };
    assert_eq!(
        up(ProviderKind::Anthropic, "https://api.anthropic.com").url("/messages", None),
        "https://api.anthropic.com/v1/messages"
    );
    assert_eq!(
        up(ProviderKind::Anthropic, "https://api.anthropic.com/v1/").url("/messages", None),
        "https://api.anthropic.com/v1/messages"
    );
    assert_eq!(
        up(ProviderKind::OpenAi, "https://x.openai.azure.com/openai/deployments/d")
            .url("/chat/completions", Some("api-version=2024-10-21")),
        "https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21"
    );
}

#[test]
fn reads_a_good_file() {
    let c = Config::from_toml(GOOD).unwrap();
    assert_eq!(c.upstreams[0].kind, ProviderKind::OpenAi);
    assert_eq!(c.models["m"].route[0].model, "real");
    assert_eq!(c.limits.max_json_depth, 64);
}

#[test]
fn errors_name_the_field() {
    let e = Config::from_toml(&GOOD.replace("kind = \"openai\"", "kind = \"gemini\"")).unwrap_err();
    assert!(e.starts_with("upstreams[0].kind: line 7, column 16: unknown variant `gemini`"), "{e}");
    let e = Config::from_toml(&GOOD.replace("upstream = \"a\"", "upstream = \"b\"")).unwrap_err();
    assert_eq!(e, "models.m.route[0].upstream: no upstream named \"b\"");
    let e = Config::from_toml(&format!("{GOOD}\nbogus = 1")).unwrap_err();
    assert!(e.contains("bogus"), "{e}");
}

#[test]
fn the_vault_is_a_file_or_a_database() {
    let pg = GOOD.replace("path = \"v.db\"", "postgres = \"postgresql://gw:s3cret@db:5432/dlpjet\"");
    let c = Config::from_toml(&pg).unwrap();
    assert_eq!(c.vault.path, None);
    let shown = format!("{:?}", c.vault);
    assert!(shown.contains("postgresql://gw:***@db:5432/dlpjet") && !shown.contains("s3cret"), "{shown}");
    let both = GOOD.replace("path = \"v.db\"", "path = \"v.db\"\npostgres = \"postgres://db/x\"");
    assert_eq!(Config::from_toml(&both).unwrap_err(), "vault: path (SQLite) or postgres, not both");
    let neither = GOOD.replace("path = \"v.db\"", "");
    assert!(Config::from_toml(&neither).unwrap_err().starts_with("vault: path (an SQLite file) or postgres"));
    let bad = GOOD.replace("path = \"v.db\"", "postgres = \"mysql://u:pw@db/x\"");
    assert_eq!(
        Config::from_toml(&bad).unwrap_err(),
        "vault.postgres: \"mysql://u:***@db/x\" is not a postgres:// or postgresql:// URL"
    );
}

#[test]
fn the_shared_store_is_a_redis_url() {
    let c = Config::from_toml(&format!("{GOOD}\n[shared]\nredis = \"redis://:pw@10.0.0.5:6379/2\"\n")).unwrap();
    let sh = c.shared.unwrap();
    assert_eq!((sh.prefix.as_str(), sh.hold_ttl_secs), ("dlpjet", 900));
    assert!(!format!("{sh:?}").contains(":pw@"));
    let e = Config::from_toml(&format!("{GOOD}\n[shared]\nredis = \"rediss://h:6380\"\n")).unwrap_err();
    assert!(e.contains("rediss://") && e.contains("not supported"), "{e}");
    let e = Config::from_toml(&format!("{GOOD}\n[shared]\nredis = \"h:6379\"\n")).unwrap_err();
    assert_eq!(e, "shared.redis: \"h:6379\" is not a redis:// URL");
    let e = Config::from_toml(&format!("{GOOD}\n[shared]\nredis = \"redis://h\"\nhold_ttl_secs = 0\n")).unwrap_err();
    assert!(e.starts_with("shared: "), "{e}");
}

#[test]
fn reads_limits_and_budgets() {
    let c = Config::from_toml(&format!(
        "{GOOD}\n[audit]\ndir = \"a\"\n[rate_limits]\nper_ip = {{ requests_per_minute = 60 }}\n\
         [budgets]\nperiod = \"day\"\ntenants = {{ acme = 2.5 }}\n"
    ))
    .unwrap();
    assert_eq!(c.rate_limits.per_ip, Some(Rate { requests_per_minute: 60, burst: None }));
    assert!(c.rate_limits.per_key.is_none());
    assert_eq!((c.budgets.period, c.budgets.tenants["acme"]), (Period::Day, 2.5));
    let e =
        Config::from_toml(&format!("{GOOD}\n[rate_limits]\nper_user = {{ requests_per_minute = 0 }}\n")).unwrap_err();
    assert_eq!(e, "rate_limits.per_user: requests_per_minute and burst must be positive");
    let e = Config::from_toml(&format!("{GOOD}\n[budgets]\ntenants = {{ acme = 1.0 }}\n")).unwrap_err();
    assert_eq!(e, "budgets: spend is counted from the audit log, so budgets need an [audit] section");
    let e = Config::from_toml(&format!("{GOOD}\n[audit]\ndir = \"a\"\n[budgets]\ntenants = {{ acme = -1.0 }}\n"))
        .unwrap_err();
    assert_eq!(e, "budgets.tenants.acme: a budget is a non-negative amount");
}

#[test]
fn the_console_needs_an_audit_log_and_a_listener_of_its_own() {
    let audit = "[audit]\ndir = \"a\"\n";
    let ok = format!("{GOOD}{audit}[console]\nlisten = \"127.0.0.1:8081\"\n");
    let c = Config::from_toml(&ok).unwrap().console.unwrap();
    assert_eq!((c.session_hours, c.idle_minutes, c.sign_in_per_minute), (720, 720, 10));
    let e = Config::from_toml(&format!("{GOOD}[console]\nlisten = \"127.0.0.1:8081\"\n")).unwrap_err();
    assert!(e.contains("needs an [audit] section"), "{e}");
    let same = GOOD.replace("127.0.0.1:0", "127.0.0.1:8080");
    let e = Config::from_toml(&format!("{same}{audit}[console]\nlisten = \"127.0.0.1:8080\"\n")).unwrap_err();
    assert!(e.contains("console.listen"), "{e}");
    let e = Config::from_toml(&format!(
        "{GOOD}{audit}[console]\nlisten = \"127.0.0.1:8081\"\n[console.oidc]\nissuer = \"http://idp.example.com\"\nclient_id = \"c\"\nclient_secret_file = \"s\"\n"
    ))
    .unwrap_err();
    assert!(e.contains("console.oidc.issuer") && e.contains("https://"), "{e}");
    let e = Config::from_toml(&format!("{GOOD}{audit}[console]\nlisten = \"127.0.0.1:8081\"\nsesion_hours = 3\n"))
        .unwrap_err();
    assert!(e.contains("sesion_hours"), "{e}");
}
