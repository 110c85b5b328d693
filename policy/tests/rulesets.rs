//! Imported third-party rule sets (gitleaks and Betterleaks defaults, read from
//! `../shared/rulesets/`; each test skips, saying so, when that folder is absent):
//! * every part of a Betterleaks rule that is not loaded is reported by rule id;
//! * conformance: values of each vendor's published token format (written here, from the
//!   formats, with random bodies) are found, and look-alikes that break the format are not;
//! * the chunking property: any split of the stream, and any piece size of an interruptible
//!   scan, gives the findings of one pass with the imported rules.

use dlpjet_policy::{Direction, PolicySet, DEFAULT_TENANT};
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::OnceLock;

fn ruleset(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/rulesets").join(name);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: {} is absent", p.display());
        None
    }
}

fn import(name: &str) -> Option<PolicySet> {
    let p = ruleset(name)?;
    let text = format!("version = 1\n[[default.imports]]\ngitleaks = {:?}\n", p.to_str().unwrap());
    Some(PolicySet::from_toml(&text, None).unwrap())
}

fn gitleaks() -> Option<&'static PolicySet> {
    static P: OnceLock<Option<PolicySet>> = OnceLock::new();
    P.get_or_init(|| import("gitleaks-default.toml")).as_ref()
}

fn betterleaks() -> Option<&'static PolicySet> {
    static P: OnceLock<Option<PolicySet>> = OnceLock::new();
    P.get_or_init(|| import("betterleaks-default.toml")).as_ref()
}

#[test]
fn betterleaks_rules_load_and_every_part_left_out_is_reported_by_rule_id() {
    let Some(p) = betterleaks() else { return };
    let r = &p.imports()[0];
    assert_eq!(r.rules, 412);
    assert_eq!(r.loaded.len() + r.skipped.len(), 412);
    assert!(r.loaded.len() >= 375, "{:?}", r.skipped);
    let text = std::fs::read_to_string(ruleset("betterleaks-default.toml").unwrap()).unwrap();
    let file: toml::Value = toml::from_str(&text).unwrap();
    let parts_of = |id: &str| r.parts.iter().filter(|(i, _)| i == id).map(|(_, w)| w.as_str()).collect::<Vec<_>>();
    for rule in file["rules"].as_array().unwrap() {
        let id = rule["id"].as_str().unwrap();
        let loaded = r.loaded.iter().any(|l| l == id);
        let skipped = r.skipped.iter().any(|(s, _)| s == id);
        assert!(loaded != skipped, "{id}: loaded {loaded}, skipped {skipped}");
        if rule.get("skipReport").and_then(toml::Value::as_bool) == Some(true) {
            assert!(skipped, "{id} is only a part of composite rules");
        }
        if !loaded {
            continue;
        }
        if rule.get("validate").is_some() {
            assert!(parts_of(id).iter().any(|w| w.contains("`validate`")), "{id}: {:?}", parts_of(id));
        }
        if rule.get("required").is_some() {
            assert!(parts_of(id).iter().any(|w| w.contains("`required`")), "{id}: {:?}", parts_of(id));
        }
    }
    // The common filter forms are translated, not reported: an entropy bound and lists on the
    // secret. Only the rest is.
    assert!(parts_of("1password-secret-key").is_empty(), "{:?}", parts_of("1password-secret-key"));
    assert!(parts_of("supabase-management-token").iter().any(|w| w.contains("!matchesAny")));
    assert!(r.notes.iter().any(|n| n.contains("prefilter")), "{:?}", r.notes);
}

/// A deterministic body of `n` characters from `alphabet` (high entropy, no runs).
fn body(seed: u64, alphabet: &str, n: usize) -> String {
    let a = alphabet.as_bytes();
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            a[(x % a.len() as u64) as usize] as char
        })
        .collect()
}

const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &str = "0123456789abcdef";
const LOWER_NUM: &str = "abcdefghijklmnopqrstuvwxyz0123456789";

/// A value in a vendor's published token format, the line it appears on, and a look-alike
/// that breaks the format (which nothing may report).
struct Case {
    rule: &'static str,
    value: String,
    line: String,
    decoy: String,
}

fn cases() -> Vec<Case> {
    let c =
        |rule, value: String, line: &str, decoy: String| Case { rule, line: line.replace("{}", &value), value, decoy };
    vec![
        // GitLab personal access tokens: `glpat-` and 20 characters.
        c(
            "gitlab-pat",
            format!("glpat-{}", body(1, ALNUM, 20)),
            "GITLAB_TOKEN={}\n",
            "see glpat-docs for details\n".into(),
        ),
        // Slack bot tokens: `xoxb-`, two numeric ids, a secret.
        c(
            "slack-bot-token",
            format!("xoxb-{}-{}-{}", body(2, "0123456789", 12), body(3, "0123456789", 13), body(4, ALNUM, 24)),
            "SLACK_BOT_TOKEN: {}\n",
            "xoxb-not-a-token\n".into(),
        ),
        // Stripe secret and restricted keys.
        c(
            "stripe-access-token",
            format!("sk_live_{}", body(5, ALNUM, 24)),
            "stripe.api_key = '{}'\n",
            "sk_live_\n".into(),
        ),
        // SendGrid: `SG.` 22 + `.` + 43.
        c(
            "sendgrid-api-token",
            format!("SG.{}.{}", body(6, ALNUM, 22), body(7, ALNUM, 43)),
            "SENDGRID_API_KEY={}\n",
            "SG.short.value\n".into(),
        ),
        // Twilio API key SIDs: `SK` + 32 hex.
        c(
            "twilio-api-key",
            format!("SK{}", body(8, HEX, 32)),
            "TWILIO_API_KEY={}\n",
            format!("SK{}\n", body(8, HEX, 20)),
        ),
        // HashiCorp Vault service tokens: `hvs.` + 90–120 characters.
        c("vault-service-token", format!("hvs.{}", body(9, ALNUM, 95)), "VAULT_TOKEN={}\n", "hvs.short\n".into()),
        // Shopify admin API access tokens: `shpat_` + 32 hex.
        c(
            "shopify-access-token",
            format!("shpat_{}", body(10, HEX, 32)),
            "X-Shopify-Access-Token: {}\n",
            "shpat_\n".into(),
        ),
        // DigitalOcean personal access tokens: `dop_v1_` + 64 hex.
        c(
            "digitalocean-pat",
            format!("dop_v1_{}", body(11, HEX, 64)),
            "DIGITALOCEAN_TOKEN={}\n",
            format!("dop_v1_{}\n", body(11, HEX, 40)),
        ),
        // Doppler service tokens: `dp.pt.` + 43.
        c("doppler-api-token", format!("dp.pt.{}", body(12, ALNUM, 43)), "DOPPLER_TOKEN={}\n", "dp.pt.x\n".into()),
        // Postman API keys: `PMAK-` 24 hex `-` 34 hex.
        c(
            "postman-api-token",
            format!("PMAK-{}-{}", body(13, HEX, 24), body(14, HEX, 34)),
            "POSTMAN_API_KEY={}\n",
            "PMAK-1234\n".into(),
        ),
        // Pulumi access tokens: `pul-` + 40 hex.
        c(
            "pulumi-api-token",
            format!("pul-{}", body(15, HEX, 40)),
            "PULUMI_ACCESS_TOKEN={}\n",
            "pul-request merged\n".into(),
        ),
        // Databricks personal access tokens: `dapi` + 32 hex.
        c("databricks-api-token", format!("dapi{}", body(16, HEX, 32)), "DATABRICKS_TOKEN={}\n", "dapi docs\n".into()),
        // Dynatrace API tokens: `dt0c01.` 24 `.` 64.
        c(
            "dynatrace-api-token",
            format!(
                "dt0c01.{}.{}",
                body(17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 24),
                body(18, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 64)
            ),
            "DT_API_TOKEN={}\n",
            "dt0c01.short.x\n".into(),
        ),
        // Linear API keys: `lin_api_` + 40.
        c("linear-api-key", format!("lin_api_{}", body(19, ALNUM, 40)), "LINEAR_API_KEY={}\n", "lin_api_docs\n".into()),
        // Grafana service account tokens: `glsa_` 32 `_` 8 hex.
        c(
            "grafana-service-account-token",
            format!("glsa_{}_{}", body(20, ALNUM, 32), body(21, HEX, 8)),
            "GRAFANA_TOKEN={}\n",
            "glsa_x\n".into(),
        ),
        // age secret keys: Bech32, 58 characters after `AGE-SECRET-KEY-1`.
        c(
            "age-secret-key",
            format!("AGE-SECRET-KEY-1{}", body(22, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)),
            "# secret: {}\n",
            "AGE-SECRET-KEY-1 placeholder\n".into(),
        ),
        // Square access tokens: `EAAA` + 60.
        c("square-access-token", format!("EAAA{}", body(23, ALNUM, 60)), "SQUARE_ACCESS_TOKEN={}\n", "EAAA\n".into()),
        // Google API keys: `AIza` + 35.
        c("gcp-api-key", format!("AIza{}", body(24, ALNUM, 35)), "GOOGLE_API_KEY={}\n", "AIza is a prefix\n".into()),
        // Mailgun private API keys, near the vendor's name: `key-` + 32 hex.
        c(
            "mailgun-private-api-token",
            format!("key-{}", body(25, HEX, 32)),
            "mailgun_api_key = \"{}\"\n",
            "mailgun docs\n".into(),
        ),
        // Bittrex keys near the vendor's name: 32 lower-case letters and digits.
        c("bittrex-access-key", body(26, LOWER_NUM, 32), "bittrex_api_key = \"{}\"\n", "bittrex exchange\n".into()),
        // Heroku API keys (v2): `HRKU-AA` + 58.
        c("heroku-api-key-v2", format!("HRKU-AA{}", body(27, ALNUM, 58)), "HEROKU_API_KEY={}\n", "HRKU-AA\n".into()),
        // Notion integration tokens: `ntn_` + 11 digits + 35.
        c(
            "notion-api-token",
            format!("ntn_{}{}", body(28, "0123456789", 11), body(29, ALNUM, 35)),
            "NOTION_TOKEN={}\n",
            "ntn_1\n".into(),
        ),
        // A generic key assignment with a high-entropy value.
        c("generic-api-key", body(30, ALNUM, 32), "service_api_key = \"{}\"\n", "api_key = \"placeholder\"\n".into()),
    ]
}

fn conformance(p: &PolicySet, set: &str) {
    let t = p.tenant(DEFAULT_TENANT).unwrap();
    let loaded = &p.imports()[0].loaded;
    let mut missed = Vec::new();
    let mut ran = 0;
    for case in cases() {
        if !loaded.iter().any(|l| l == case.rule) {
            continue;
        }
        ran += 1;
        let line = case.line.as_bytes();
        let at = case.line.find(&case.value).unwrap();
        let found = t.findings(Direction::Both, line).unwrap();
        // Found: a finding covers the value (the rule's, or a detector's that outranks it on
        // the same bytes).
        let cover = found.iter().find(|f| f.finding.start <= at && f.finding.end >= at + case.value.len());
        match cover {
            Some(f) => eprintln!("{set} {}: found by {}", case.rule, f.finding.detector),
            None => missed.push(format!("{}: {:?} in {:?}, found {:?}", case.rule, case.value, case.line, found)),
        }
        let decoy = t.findings(Direction::Both, case.decoy.as_bytes()).unwrap();
        assert!(decoy.is_empty(), "{set} {}: look-alike {:?} reported: {decoy:?}", case.rule, case.decoy);
    }
    assert!(ran >= 15, "{set}: only {ran} cases' rules loaded");
    assert!(missed.is_empty(), "{set}: values of their rule's format not found:\n{}", missed.join("\n"));
}

#[test]
fn gitleaks_rules_find_their_formats_and_not_look_alikes() {
    if let Some(p) = gitleaks() {
        conformance(p, "gitleaks");
    }
}

#[test]
fn betterleaks_rules_find_their_formats_and_not_look_alikes() {
    if let Some(p) = betterleaks() {
        conformance(p, "betterleaks");
    }
}

/// Lines that wake many imported rules: keywords with and without values, partial prefixes.
fn pieces() -> Vec<String> {
    let mut v: Vec<String> = cases().into_iter().flat_map(|c| [c.line, c.decoy]).collect();
    v.extend(
        ["token", "secret=", "api", "key: ", "password = \"", "\"\n", " ", "\n", "sk", "é", "bittrex ", "hvs."]
            .map(String::from),
    );
    v
}

fn streamed(t: &dlpjet_policy::Tenant, data: &[u8], cuts: &[usize]) -> Vec<dlpjet_policy::DecidedFinding> {
    let mut s = t.stream(Direction::Both);
    let mut out = Vec::new();
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
    points.sort_unstable();
    let mut at = 0;
    for p in points.into_iter().chain([data.len()]) {
        s.push(&data[at..p], &mut out).unwrap();
        at = p;
    }
    s.finish(&mut out).findings
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// With an imported rule set, any split of the stream and any piece size give the
    /// findings of one pass.
    #[test]
    fn imported_rules_find_the_same_whole_or_chunked(
        picks in proptest::collection::vec(any::<prop::sample::Index>(), 0..30),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
        piece in 1usize..200,
        better in any::<bool>(),
    ) {
        let Some(p) = (if better { betterleaks() } else { gitleaks() }) else { return Ok(()) };
        let t = p.tenant(DEFAULT_TENANT).unwrap();
        let all = pieces();
        let data: Vec<u8> = picks.iter().flat_map(|i| all[i.index(all.len())].bytes()).collect();
        let whole = t.findings(Direction::Both, &data).unwrap();
        prop_assert_eq!(&streamed(t, &data, &cuts), &whole);
        let pieced = t.findings_checked(Direction::Both, &data, piece, &mut || true).unwrap().unwrap();
        prop_assert_eq!(&pieced, &whole);
    }
}
