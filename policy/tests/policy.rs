//! The policy layer: validation errors, inheritance and precedence, decisions, tenant
//! isolation, streaming decisions, hot reload, rule imports and the example policies.

use dlpjet::Style;
use dlpjet_policy::{
    Action, BlockReason, Decision, Direction, OnExceed, PolicyErrorKind, PolicySet, PolicyStore, DEFAULT_TENANT,
};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn policy(text: &str) -> PolicySet {
    PolicySet::from_toml(text, None).unwrap_or_else(|e| panic!("{e}"))
}

fn ids(d: &Decision) -> Vec<(&str, Action)> {
    d.findings.iter().map(|f| (&*f.finding.detector, f.action)).collect()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

struct Broken {
    name: &'static str,
    text: &'static str,
    kind: PolicyErrorKind,
    error: &'static str,
}

/// Every way a policy file can be wrong, and the exact error it gives: file, line, column,
/// field path, and what was expected. Relative files are looked up from the current folder.
const BROKEN: &[Broken] = &[
    Broken {
        name: "bad_action",
        text: r#"version = 1
[tenants.acme.detectors.credit_card]
action = "explode"
"#,
        kind: PolicyErrorKind::InvalidValue,
        error: "policy.toml:3:10: tenants.acme.detectors.credit_card.action: unknown variant `explode`, expected one of `allow`, `warn`, `tokenize`, `redact`, `block`",
    },
    Broken {
        name: "bad_allow_regex",
        text: r#"version = 1
[[default.allowlists]]
regexes = ['ok', '[unclosed']
"#,
        kind: PolicyErrorKind::InvalidRegex,
        error: "policy.toml:3:18: default.allowlists[0].regexes[1]: invalid regex: unclosed character class at column 1",
    },
    Broken {
        name: "bad_group",
        text: r#"version = 1
[default.regexes.ticket]
pattern = 'T-([0-9]+)'
group = 2
"#,
        kind: PolicyErrorKind::InvalidValue,
        error: "policy.toml:4:9: default.regexes.ticket.group: group 2 does not exist (the regex has 1 groups)",
    },
    Broken {
        name: "bad_id",
        text: r#"version = 1
[default.regexes."my id"]
pattern = 'abc'
"#,
        kind: PolicyErrorKind::InvalidValue,
        error: "policy.toml:2:1: default.regexes.\"my id\": detector id \"my id\" must be non-empty ASCII letters, digits, '_', '-' or '.'",
    },
    Broken {
        name: "bad_on_exceed",
        text: r#"version = 1
[default.limits]
on_exceed = "drop"
"#,
        kind: PolicyErrorKind::InvalidValue,
        error: "policy.toml:3:13: default.limits.on_exceed: unknown variant `drop`, expected `block` or `truncate`",
    },
    Broken {
        name: "bad_regex",
        text: r#"version = 1
[default.regexes.ticket]
pattern = 'TICKET-(\\d+'
"#,
        kind: PolicyErrorKind::InvalidRegex,
        error: "policy.toml:3:11: default.regexes.ticket.pattern: invalid regex: unclosed group at column 8",
    },
    Broken {
        name: "bad_type",
        text: r#"version = 1
[default.detectors.email]
min_confidence = "high"
"#,
        kind: PolicyErrorKind::InvalidValue,
        error: "policy.toml:3:18: default.detectors.email.min_confidence: invalid type: string \"high\", expected f32",
    },
    Broken {
        name: "clash_builtin",
        text: r#"version = 1
[default.regexes.email]
pattern = 'x@y'
"#,
        kind: PolicyErrorKind::DuplicateDetector,
        error: "policy.toml:2:1: default.regexes.email: detector id \"email\" is already defined by a built-in detector",
    },
    Broken {
        name: "confidence_range",
        text: r#"version = 1
[default.detectors.email]
min_confidence = 1.5
"#,
        kind: PolicyErrorKind::InvalidValue,
        error: "policy.toml:3:18: default.detectors.email.min_confidence: 1.5 is outside 0..=1",
    },
    Broken {
        name: "cycle",
        text: r#"version = 1
[tenants.a]
inherits = "b"
[tenants.b]
inherits = "a"
"#,
        kind: PolicyErrorKind::InheritanceCycle,
        error: "policy.toml:5:12: tenants.b.inherits: inheritance cycle: a -> b -> a",
    },
    Broken {
        name: "default_inherits",
        text: r#"version = 1
[default]
inherits = "x"
"#,
        kind: PolicyErrorKind::InvalidValue,
        error: "policy.toml:3:12: default.inherits: the default policy cannot inherit; tenants inherit from it",
    },
    Broken {
        name: "empty_dictionary",
        text: r#"version = 1
[default.dictionaries.projects]
case_insensitive = true
"#,
        kind: PolicyErrorKind::InvalidDictionary,
        error: "policy.toml:2:1: default.dictionaries.projects: a dictionary needs `terms` or a `file` with terms",
    },
    Broken {
        name: "empty_regex",
        text: r#"version = 1
[default.regexes.ticket]
pattern = 'x*'
"#,
        kind: PolicyErrorKind::InvalidRegex,
        error: "policy.toml:3:11: default.regexes.ticket.pattern: regex \"x*\" matches the empty string",
    },
    // A pattern whose shortest match is longer than `max_len` can never be reported; the
    // engine refuses it rather than search for it at every byte.
    Broken {
        name: "regex_longer_than_max_len",
        text: r#"version = 1
[default.regexes.ticket]
pattern = '[a-z]{300}'
"#,
        kind: PolicyErrorKind::InvalidRegex,
        error: "policy.toml:3:11: default.regexes.ticket.pattern: regex \"[a-z]{300}\" can never match within max_len 256: its shortest match is 300 bytes",
    },
    Broken {
        name: "empty_term",
        text: r#"version = 1
[default.dictionaries.projects]
terms = ["Bluebird", " "]
"#,
        kind: PolicyErrorKind::InvalidDictionary,
        error: "policy.toml:3:22: default.dictionaries.projects.terms[1]: empty term",
    },
    Broken {
        name: "keep_last_without_partial",
        text: r#"version = 1
[default.detectors.email]
redact = "mask"
keep_last = 2
"#,
        kind: PolicyErrorKind::InvalidValue,
        error: "policy.toml:4:13: default.detectors.email.keep_last: keep_last applies only to redact = \"partial\"",
    },
    Broken {
        name: "key_both",
        text: r#"version = 1
[default]
pseudonym_key = { env = "A", file = "b" }
[default.detectors.email]
redact = "pseudonym"
"#,
        kind: PolicyErrorKind::InvalidValue,
        error: "policy.toml:3:17: default.pseudonym_key: pseudonym_key takes exactly one of `env` or `file`",
    },
    Broken {
        name: "missing_dictionary_file",
        text: r#"version = 1
[default.dictionaries.projects]
file = "no-such-terms.txt"
"#,
        kind: PolicyErrorKind::Io,
        error: "policy.toml:3:8: default.dictionaries.projects.file: cannot read no-such-terms.txt: No such file or directory (os error 2)",
    },
    Broken {
        name: "missing_import",
        text: r#"version = 1
[[default.imports]]
gitleaks = "no-such-rules.toml"
"#,
        kind: PolicyErrorKind::Io,
        error: "policy.toml:3:12: default.imports[0].gitleaks: cannot read no-such-rules.toml: No such file or directory (os error 2)",
    },
    Broken {
        name: "no_version",
        text: r#"[default]
default_action = "warn"
"#,
        kind: PolicyErrorKind::UnsupportedVersion,
        error: "policy.toml: missing `version = 1` at the top of the file",
    },
    Broken {
        name: "pseudonym_env_unset",
        text: r#"version = 1
[default]
pseudonym_key = { env = "DLPJET_TEST_UNSET_KEY" }
[default.detectors.email]
redact = "pseudonym"
"#,
        kind: PolicyErrorKind::MissingKey,
        error: "policy.toml:3:25: default.pseudonym_key.env: environment variable DLPJET_TEST_UNSET_KEY is not set",
    },
    Broken {
        name: "pseudonym_without_key",
        text: r#"version = 1
[default.detectors.email]
redact = "pseudonym"
"#,
        kind: PolicyErrorKind::MissingKey,
        error: "policy.toml:3:10: default.detectors.email.redact: the pseudonym style and the tokenize action need `pseudonym_key = { env = \"VAR\" }` or `{ file = \"path\" }` in the policy",
    },
    Broken {
        name: "tokenize_without_key",
        text: r#"version = 1
[default]
default_action = "tokenize"
"#,
        kind: PolicyErrorKind::MissingKey,
        error: "policy.toml:3:18: default.default_action: the pseudonym style and the tokenize action need `pseudonym_key = { env = \"VAR\" }` or `{ file = \"path\" }` in the policy",
    },
    Broken {
        name: "self_cycle",
        text: r#"version = 1
[tenants.a]
inherits = "a"
"#,
        kind: PolicyErrorKind::InheritanceCycle,
        error: "policy.toml:3:12: tenants.a.inherits: inheritance cycle: a -> a",
    },
    Broken {
        name: "syntax",
        text: r#"version = 1
[default
"#,
        kind: PolicyErrorKind::Syntax,
        error: "policy.toml:2:9: unclosed table, expected `]`",
    },
    Broken {
        name: "tenant_named_default",
        text: r#"version = 1
[tenants.default]
default_action = "warn"
"#,
        kind: PolicyErrorKind::InvalidValue,
        error: "policy.toml:2:1: tenants.default: a tenant cannot be named \"default\"; write the default policy under [default]",
    },
    Broken {
        name: "unknown_detector_allowlist",
        text: r#"version = 1
[[default.allowlists]]
detectors = ["mail"]
values = ["x"]
"#,
        kind: PolicyErrorKind::UnknownDetector,
        error: "policy.toml:3:14: default.allowlists[0].detectors[0]: unknown detector \"mail\"; known ids: credit_card, us_ssn, email, phone, aws_access_key_id, aws_secret_access_key, github_token, slack_token, stripe_key, openai_key, google_api_key, private_key, jwt, ipv4, ipv6, iban, generic_secret, dlpjet_api_key, anthropic_key, groq_key, huggingface_token, xai_key, us_itin, sendgrid_key, npm_token, pypi_token, azure_storage_key",
    },
    Broken {
        name: "unknown_detector_disable",
        text: r#"version = 1
[tenants.t]
disable = ["ipv5"]
"#,
        kind: PolicyErrorKind::UnknownDetector,
        error: "policy.toml:3:12: tenants.t.disable[0]: unknown detector \"ipv5\"; known ids: credit_card, us_ssn, email, phone, aws_access_key_id, aws_secret_access_key, github_token, slack_token, stripe_key, openai_key, google_api_key, private_key, jwt, ipv4, ipv6, iban, generic_secret, dlpjet_api_key, anthropic_key, groq_key, huggingface_token, xai_key, us_itin, sendgrid_key, npm_token, pypi_token, azure_storage_key",
    },
    Broken {
        name: "unknown_detector_enable",
        text: r#"version = 1
[default]
enable = ["email", "emali"]
"#,
        kind: PolicyErrorKind::UnknownDetector,
        error: "policy.toml:3:20: default.enable[1]: unknown detector \"emali\"; known ids: credit_card, us_ssn, email, phone, aws_access_key_id, aws_secret_access_key, github_token, slack_token, stripe_key, openai_key, google_api_key, private_key, jwt, ipv4, ipv6, iban, generic_secret, dlpjet_api_key, anthropic_key, groq_key, huggingface_token, xai_key, us_itin, sendgrid_key, npm_token, pypi_token, azure_storage_key",
    },
    Broken {
        name: "unknown_detector_rule",
        text: r#"version = 1
[tenants.acme.detectors.credt_card]
action = "block"
"#,
        kind: PolicyErrorKind::UnknownDetector,
        error: "policy.toml:2:1: tenants.acme.detectors.credt_card: unknown detector \"credt_card\"; known ids: credit_card, us_ssn, email, phone, aws_access_key_id, aws_secret_access_key, github_token, slack_token, stripe_key, openai_key, google_api_key, private_key, jwt, ipv4, ipv6, iban, generic_secret, dlpjet_api_key, anthropic_key, groq_key, huggingface_token, xai_key, us_itin, sendgrid_key, npm_token, pypi_token, azure_storage_key",
    },
    Broken {
        name: "unknown_parent",
        text: r#"version = 1
[tenants.acme]
inherits = "globex"
"#,
        kind: PolicyErrorKind::UnknownParent,
        error: "policy.toml:3:12: tenants.acme.inherits: inherits from unknown tenant \"globex\" (known: default, acme)",
    },
    Broken {
        name: "unknown_rule_key",
        text: r#"version = 1
[tenants.acme.detectors.email]
actoin = "block"
"#,
        kind: PolicyErrorKind::UnknownKey,
        error: "policy.toml:3:1: tenants.acme.detectors.email.actoin: unknown field `actoin`, expected one of `enabled`, `action`, `min_confidence`, `redact`, `keep_last`, `direction`, `report_examples`",
    },
    Broken {
        name: "unknown_top_key",
        text: r#"version = 1
foo = 1
"#,
        kind: PolicyErrorKind::UnknownKey,
        error: "policy.toml:2:1: foo: unknown field `foo`, expected one of `version`, `default`, `tenants`",
    },
    Broken {
        name: "unknown_validator",
        text: r#"version = 1
[default.regexes.ticket]
pattern = 'T-[0-9]+'
validator = "crc32"
"#,
        kind: PolicyErrorKind::InvalidValue,
        error: "policy.toml:4:13: default.regexes.ticket.validator: unknown variant `crc32`, expected one of `luhn`, `mod97`, `entropy`",
    },
    Broken {
        name: "validator_conflict",
        text: r#"version = 1
[default.regexes.ticket]
pattern = 'T-[0-9]+'
validator = "luhn"
entropy = 3.0
"#,
        kind: PolicyErrorKind::InvalidValue,
        error: "policy.toml:5:11: default.regexes.ticket.entropy: entropy is the threshold of validator = \"entropy\" and cannot go with another validator",
    },
    Broken {
        name: "version_2",
        text: r#"version = 2
"#,
        kind: PolicyErrorKind::UnsupportedVersion,
        error: "policy.toml:1:11: version: version 2 is not supported; this build reads version 1",
    },
    Broken {
        name: "zero_limit",
        text: r#"version = 1
[default]
limits = { max_input_bytes = 0 }
"#,
        kind: PolicyErrorKind::InvalidValue,
        error: "policy.toml:3:30: default.limits.max_input_bytes: max_input_bytes must be at least 1",
    },
];

#[test]
fn every_broken_file_is_refused_with_its_exact_error() {
    let mut failures = Vec::new();
    for b in BROKEN {
        match PolicySet::from_toml(b.text, Some(Path::new("policy.toml"))) {
            Ok(_) => failures.push(format!("{}: loaded", b.name)),
            Err(e) => {
                if e.kind() != b.kind || e.to_string() != b.error {
                    failures.push(format!("{}: got {:?} {:?}", b.name, e.kind(), e.to_string()));
                }
                assert_eq!(e.file(), Some(Path::new("policy.toml")));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn errors_expose_their_parts() {
    let e = PolicySet::from_toml("version = 1\n[tenants.acme.detectors.email]\naction = \"nope\"\n", None).unwrap_err();
    assert_eq!((e.line(), e.column()), (Some(3), Some(10)));
    assert_eq!(e.field(), "tenants.acme.detectors.email.action");
    assert_eq!(e.kind().as_str(), "invalid_value");
    assert!(e.message().contains("expected"), "{e}");
    assert!(e.file().is_none());
    assert!(e.to_string().starts_with("line 3, column 10: tenants.acme.detectors.email.action: "), "{e}");
}

#[test]
fn tenants_inherit_and_override_piece_by_piece() {
    let p = policy(
        r#"
        version = 1
        [default]
        default_action = "warn"
        disable = ["ipv4"]
        [default.detectors.credit_card]
        action = "redact"
        redact = "partial"
        keep_last = 4
        min_confidence = 0.5
        [tenants.bank.detectors.credit_card]
        action = "block"
        [tenants.bank-eu]
        inherits = "bank"
        enable = ["credit_card", "iban", "ipv4"]
        [tenants.bank-eu.detectors.iban]
        action = "redact"
        [tenants.quiet]
        default_action = "allow"
        "#,
    );
    let card = |t: &str| p.tenant(t).unwrap().plan("credit_card").cloned();
    let d = card(DEFAULT_TENANT).unwrap();
    assert_eq!((d.action, d.style, d.min_confidence), (Action::Redact, Style::Partial { keep_last: 4 }, 0.5));
    // bank overrides the action only; style and minimum come from default.
    let b = card("bank").unwrap();
    assert_eq!((b.action, b.style, b.min_confidence), (Action::Block, Style::Partial { keep_last: 4 }, 0.5));
    // bank-eu inherits bank's action; its `enable` replaces the set and drops default's disable.
    let eu = p.tenant("bank-eu").unwrap();
    assert_eq!(eu.plan("credit_card").unwrap().action, Action::Block);
    let mut run: Vec<&str> = eu.scanner(Direction::Both).detectors().collect();
    run.sort();
    assert_eq!(run, ["credit_card", "iban", "ipv4"]);
    assert_eq!(eu.plan("iban").unwrap().action, Action::Redact);
    assert_eq!(eu.plan("ipv4").unwrap().action, Action::Warn);
    assert!(p.tenant(DEFAULT_TENANT).unwrap().plan("ipv4").is_none());
    // quiet changes the default action; listed detectors keep theirs.
    let q = p.tenant("quiet").unwrap();
    assert_eq!(q.plan("email").unwrap().action, Action::Allow);
    assert_eq!(q.plan("credit_card").unwrap().action, Action::Redact);
    assert_eq!(p.tenants().map(|t| t.name()).collect::<Vec<_>>(), ["bank", "bank-eu", DEFAULT_TENANT, "quiet"]);
}

#[test]
fn nearer_definitions_replace_custom_detectors_and_allowlists_accumulate() {
    let p = policy(
        r#"
        version = 1
        [default.regexes.ticket]
        pattern = 'TICKET-[0-9]{4}'
        [[default.allowlists]]
        values = ["TICKET-0000"]
        [tenants.ops.regexes.ticket]
        pattern = 'OPS-[0-9]{4}'
        [[tenants.ops.allowlists]]
        values = ["OPS-0000"]
        "#,
    );
    let text = b"TICKET-1234 OPS-5678 TICKET-0000 OPS-0000";
    let found = |t: &str| {
        let d = p.evaluate(t, Direction::Both, text).unwrap();
        d.findings.iter().map(|f| String::from_utf8(f.finding.bytes(text).to_vec()).unwrap()).collect::<Vec<_>>()
    };
    assert_eq!(found(DEFAULT_TENANT), ["TICKET-1234"]);
    assert_eq!(found("ops"), ["OPS-5678"]);
}

#[test]
fn the_decision_is_the_strictest_action() {
    let p = policy(
        r#"
        version = 1
        [default]
        default_action = "allow"
        [default.detectors.email]
        action = "warn"
        [default.detectors.phone]
        action = "redact"
        [default.detectors.credit_card]
        action = "block"
        "#,
    );
    let eval = |t: &str| p.evaluate(DEFAULT_TENANT, Direction::Inbound, t.as_bytes()).unwrap();
    let none = eval("nothing to see");
    assert_eq!((none.action, none.findings.len(), none.reason.clone()), (Action::Allow, 0, None));
    assert_eq!(none.output(b"nothing to see"), Some(&b"nothing to see"[..]));
    assert_eq!(eval("ip 10.0.0.1").action, Action::Allow);
    assert_eq!(eval("ip 10.0.0.1, mail a@b.io").action, Action::Warn);
    let r = eval("mail a@b.io or call +1 212 555 0147");
    assert_eq!(r.action, Action::Redact);
    assert_eq!(ids(&r), [("email", Action::Warn), ("phone", Action::Redact)]);
    // Only the redact findings are rewritten.
    assert_eq!(r.redacted.as_deref(), Some(&b"mail a@b.io or call [PHONE]"[..]));
    let b = eval("call +1 212 555 0147, card 4111 1111 1111 1111 and 5555 5555 5555 4444");
    assert_eq!(b.action, Action::Block);
    assert_eq!(b.redacted, None);
    assert_eq!(b.output(b"x"), None);
    let reason = b.reason.unwrap();
    assert_eq!(reason, BlockReason::Detector { detector: "credit_card".into(), hits: 2 });
    assert_eq!(reason.code(), "detector");
    // The reason never carries the value.
    assert!(!reason.to_string().contains("4111"), "{reason}");
    assert!(Action::Block > Action::Redact && Action::Redact > Action::Warn && Action::Warn > Action::Allow);
}

#[test]
fn per_detector_minimum_confidence_drops_weak_findings() {
    let p = policy(
        r#"
        version = 1
        [default.detectors.us_ssn]
        min_confidence = 0.9
        "#,
    );
    // A bare 9-digit number is a weak SSN candidate; with the word "ssn" nearby it is strong.
    let weak = p.evaluate(DEFAULT_TENANT, Direction::Both, b"number 123456789").unwrap();
    assert!(weak.findings.is_empty(), "{:?}", ids(&weak));
    let strong = p.evaluate(DEFAULT_TENANT, Direction::Both, b"ssn 123-45-6789").unwrap();
    assert_eq!(ids(&strong), [("us_ssn", Action::Warn)]);
}

#[test]
fn directions_choose_which_detectors_run() {
    let p = policy(
        r#"
        version = 1
        [default.detectors.email]
        direction = "outbound"
        action = "block"
        [default.detectors.phone]
        direction = "inbound"
        action = "redact"
        "#,
    );
    let text = b"a@b.io +1 212 555 0147";
    let t = p.tenant(DEFAULT_TENANT).unwrap();
    assert_eq!(ids(&t.evaluate(Direction::Inbound, text)), [("phone", Action::Redact)]);
    assert_eq!(ids(&t.evaluate(Direction::Outbound, text)), [("email", Action::Block)]);
    assert_eq!(ids(&t.evaluate(Direction::Both, text)), [("email", Action::Block), ("phone", Action::Redact)]);
}

#[test]
fn tenants_are_isolated() {
    let p = policy(
        r#"
        version = 1
        [tenants.a.regexes.a_secret]
        pattern = 'ALPHA-[0-9]{4}'
        [tenants.a.dictionaries.a_words]
        terms = ["Bluebird"]
        [[tenants.a.allowlists]]
        values = ["x@corp.example"]
        [tenants.b]
        "#,
    );
    let text = b"ALPHA-1234 Bluebird x@corp.example";
    let a = p.evaluate("a", Direction::Both, text).unwrap();
    let b = p.evaluate("b", Direction::Both, text).unwrap();
    assert_eq!(ids(&a), [("a_secret", Action::Warn), ("a_words", Action::Warn)]);
    // b has neither a's detectors nor a's allowlist.
    assert_eq!(ids(&b), [("email", Action::Warn)]);
    assert!(p.tenant("b").unwrap().scanner(Direction::Both).detectors().all(|d| !d.starts_with("a_")));
    // A tenant that inherits from a gets them.
    let p2 = policy(
        "version = 1\n[tenants.a.regexes.a_secret]\npattern = 'ALPHA-[0-9]{4}'\n[tenants.c]\ninherits = \"a\"\n",
    );
    assert_eq!(ids(&p2.evaluate("c", Direction::Both, text).unwrap())[0].0, "a_secret");
    let err = p.evaluate("zeta", Direction::Both, text).unwrap_err();
    assert_eq!(err.kind(), PolicyErrorKind::UnknownTenant);
    assert_eq!(err.to_string(), "unknown tenant \"zeta\" (known: a, b, default)");
}

#[test]
fn pseudonyms_are_stable_within_a_tenant_and_differ_across_tenants() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("key"), "0123456789abcdef0123456789abcdef\n").unwrap();
    let text = r#"
        version = 1
        [default]
        pseudonym_key = { file = "key" }
        [default.detectors.email]
        action = "redact"
        redact = "pseudonym"
        [tenants.a]
        [tenants.b]
    "#;
    std::fs::write(dir.path().join("policy.toml"), text).unwrap();
    let load = || PolicySet::load(dir.path().join("policy.toml")).unwrap();
    let (p1, p2) = (load(), load());
    let red = |p: &PolicySet, t: &str, s: &str| {
        String::from_utf8(p.evaluate(t, Direction::Both, s.as_bytes()).unwrap().redacted.unwrap()).unwrap()
    };
    let a1 = red(&p1, "a", "to Jane@Example.org");
    assert!(a1.starts_with("to [EMAIL:"), "{a1}");
    // Same tenant: same token across requests, loads (runs) and letter case of the address.
    assert_eq!(a1, red(&p1, "a", "to Jane@Example.org"));
    assert_eq!(a1, red(&p2, "a", "to jane@example.org"));
    // Other tenants sharing the key material still get other tokens.
    assert_ne!(a1, red(&p1, "b", "to Jane@Example.org"));
    assert_ne!(a1, red(&p1, DEFAULT_TENANT, "to Jane@Example.org"));
}

#[test]
fn tokenize_writes_the_tenants_stable_token_whatever_the_style() {
    std::env::set_var("DLPJET_TEST_TOKEN_KEY", "a token key of more than sixteen bytes");
    let p = policy(
        r#"
        version = 1
        [default]
        pseudonym_key = { env = "DLPJET_TEST_TOKEN_KEY" }
        [default.detectors.email]
        action = "tokenize"
        redact = "mask"
        [default.detectors.phone]
        action = "redact"
        [tenants.b]
        "#,
    );
    let t = p.tenant(DEFAULT_TENANT).unwrap();
    let text = b"mail Jane@Example.org or call +1 212 555 0147";
    let d = t.evaluate(Direction::Inbound, text);
    // The strictest action wins: a redaction is stricter than a token.
    assert_eq!(d.action, Action::Redact);
    assert_eq!(ids(&d), [("email", Action::Tokenize), ("phone", Action::Redact)]);
    let email = &d.findings[0].finding;
    let token = t.token(email, email.bytes(text)).unwrap();
    let expected = [&b"mail "[..], &token, b" or call [PHONE]"].concat();
    assert_eq!(d.redacted.as_deref(), Some(&expected[..]));
    let token = String::from_utf8(token).unwrap();
    assert!(token.len() == 24 && token.starts_with("[EMAIL:") && token.ends_with(']'), "{token}");
    // The same address in other letters gets the same token; another tenant another one.
    let d2 = t.evaluate(Direction::Inbound, b"jane@example.org");
    assert_eq!(d2.action, Action::Tokenize);
    assert_eq!(d2.redacted.unwrap(), token.as_bytes());
    let b = p.tenant("b").unwrap();
    assert_ne!(b.evaluate(Direction::Inbound, b"jane@example.org").redacted.unwrap(), token.as_bytes());
    // Detectors that are not tokenized have no token.
    assert!(t.token(&d.findings[1].finding, d.findings[1].finding.bytes(text)).is_none());
}

#[test]
fn pseudonym_keys_come_from_the_environment() {
    std::env::set_var("DLPJET_TEST_POLICY_KEY", "an environment key of enough bytes");
    let p = policy(
        r#"
        version = 1
        [default]
        pseudonym_key = { env = "DLPJET_TEST_POLICY_KEY" }
        [default.detectors.phone]
        action = "redact"
        redact = "pseudonym"
        "#,
    );
    let d = p.evaluate(DEFAULT_TENANT, Direction::Both, b"+1 212 555 0147").unwrap();
    assert!(String::from_utf8(d.redacted.unwrap()).unwrap().starts_with("[PHONE:"));
    std::env::set_var("DLPJET_TEST_SHORT_KEY", "short");
    let e = PolicySet::from_toml(
        "version = 1\n[default]\npseudonym_key = { env = \"DLPJET_TEST_SHORT_KEY\" }\n[default.detectors.phone]\nredact = \"pseudonym\"\n",
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), PolicyErrorKind::MissingKey);
    assert_eq!(
        e.to_string(),
        "line 3, column 17: default.pseudonym_key: the pseudonym key has 5 bytes; at least 16 are needed"
    );
}

#[test]
fn size_limits_block_or_truncate() {
    let p = policy(
        r#"
        version = 1
        [default]
        limits = { max_input_bytes = 16 }
        [tenants.lenient]
        limits = { on_exceed = "truncate" }
        [tenants.lenient.detectors.email]
        action = "redact"
        "#,
    );
    let big = b"mail a@b.io now, then c@d.io later";
    let d = p.evaluate(DEFAULT_TENANT, Direction::Both, big).unwrap();
    assert_eq!((d.action, d.reason.clone()), (Action::Block, Some(BlockReason::InputTooLarge { limit: 16 })));
    assert_eq!(d.reason.unwrap().to_string(), "input larger than 16 bytes");
    assert_eq!(p.tenant("lenient").unwrap().limit(), Some((16, OnExceed::Truncate)));
    let t = p.evaluate("lenient", Direction::Both, big).unwrap();
    assert!(t.truncated);
    assert_eq!(t.action, Action::Redact);
    // The first 16 bytes are scanned and redacted; the rest passes through unscanned.
    assert_eq!(t.redacted.as_deref(), Some(&b"mail [EMAIL] now, then c@d.io later"[..]));
    let small = p.evaluate("lenient", Direction::Both, b"hello").unwrap();
    assert_eq!((small.action, small.truncated), (Action::Allow, false));
    let warn = p.evaluate("lenient", Direction::Both, b"nothing sensitive but long").unwrap();
    assert_eq!((warn.action, warn.truncated), (Action::Warn, true));
}

#[test]
fn dictionaries_and_imports_are_read_relative_to_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("lists")).unwrap();
    std::fs::write(dir.path().join("lists/projects.txt"), "# code words\nBluebird\n\nNightjar\n").unwrap();
    std::fs::write(
        dir.path().join("lists/rules.toml"),
        "[[rules]]\nid = \"deploy-token\"\nregex = '''dpl_([a-z0-9]{12})'''\nkeywords = [\"dpl_\"]\n",
    )
    .unwrap();
    let text = r#"
        version = 1
        [default.dictionaries.projects]
        file = "lists/projects.txt"
        case_insensitive = true
        [[default.imports]]
        gitleaks = "lists/rules.toml"
        prefix = "gl."
        action = "block"
    "#;
    std::fs::write(dir.path().join("p.toml"), text).unwrap();
    let p = PolicySet::load(dir.path().join("p.toml")).unwrap();
    let d = p.evaluate(DEFAULT_TENANT, Direction::Both, b"nightjar uses dpl_0a1b2c3d4e5f").unwrap();
    assert_eq!(ids(&d), [("projects", Action::Warn), ("gl.deploy-token", Action::Block)]);
    assert_eq!(p.imports().len(), 1);
    assert_eq!(p.imports()[0].loaded, ["gl.deploy-token"]);
}

/// The gitleaks default rule set loads as custom detectors; the report says which rules do
/// not and why. Skips when the shared rule sets are not next to the repository.
#[test]
fn gitleaks_default_rules_import() {
    let rules = repo().join("../shared/rulesets/gitleaks-default.toml");
    if !rules.exists() {
        eprintln!("skipped: {} is absent", rules.display());
        return;
    }
    let text =
        format!("version = 1\n[[default.imports]]\ngitleaks = {:?}\naction = \"block\"\n", rules.to_str().unwrap());
    let p = policy(&text);
    let r = &p.imports()[0];
    eprintln!("{} rules: {} loaded, {} skipped", r.rules, r.loaded.len(), r.skipped.len());
    for (id, why) in &r.skipped {
        eprintln!("  skipped {id}: {why}");
    }
    for n in &r.notes {
        eprintln!("  note: {n}");
    }
    assert_eq!(r.rules, 222);
    assert_eq!(r.loaded.len() + r.skipped.len(), 222);
    assert!(r.loaded.len() >= 215, "{:?}", r.skipped);
    let t = p.tenant(DEFAULT_TENANT).unwrap();
    assert_eq!(t.plan("github-pat").unwrap().action, Action::Block);
    // Real-looking tokens are found by the imported rules (or the built-ins that cover them).
    let text = b"export GITLAB_TOKEN=glpat-4fT9qLmZ2xW8vB1nC6dE\nnpm token npm_q8Zr2kLm9XwP4vTn7sD1fG3hJ5kL0pZa1b2c\n";
    let d = t.evaluate(Direction::Both, text);
    let found: Vec<&str> = d.findings.iter().map(|f| &*f.finding.detector).collect();
    assert!(found.contains(&"gitlab-pat"), "{found:?}");
    // npm tokens are a built-in detector too, whose rank wins the overlap.
    assert!(found.contains(&"npm_token"), "{found:?}");
    assert_eq!(d.action, Action::Block);
}

#[test]
fn example_policies_load_and_decide() {
    std::env::set_var("DLPJET_PSEUDONYM_KEY", "example key material, 32 bytes!!");
    let dir = repo().join("examples/policies");
    let load = |f: &str| PolicySet::load(dir.join(f)).unwrap_or_else(|e| panic!("{e}"));

    let strict = load("strict-pci-pii.toml");
    let t = strict.tenant(DEFAULT_TENANT).unwrap();
    let d = t.evaluate(Direction::Inbound, b"card 4111 1111 1111 1111");
    assert_eq!((d.action, d.reason.as_ref().map(BlockReason::code)), (Action::Block, Some("detector")));
    let d = t.evaluate(Direction::Inbound, b"mail jane@corp.io, call +1 212 555 0147, docs@example.com");
    assert_eq!(d.action, Action::Redact);
    let out = String::from_utf8(d.redacted.unwrap()).unwrap();
    assert!(
        out.starts_with("mail [EMAIL:") && out.contains("+* *** *** **47") && out.ends_with("docs@example.com"),
        "{out}"
    );
    assert_eq!(
        t.evaluate(Direction::Inbound, &vec![b'a'; 2 << 20]).reason,
        Some(BlockReason::InputTooLarge { limit: 1 << 20 })
    );
    // Addresses are flagged in responses only.
    assert_eq!(t.evaluate(Direction::Inbound, b"host 10.1.2.3").action, Action::Allow);
    assert_eq!(t.evaluate(Direction::Outbound, b"host 10.1.2.3").action, Action::Warn);
    // The payments tenant works with masked cards instead of blocking them.
    let pay = strict.tenant("payments").unwrap();
    let out = pay.evaluate(Direction::Outbound, b"card 4111 1111 1111 1111 MERCH-ALPHA");
    assert_eq!(out.redacted.as_deref(), Some(&b"card **** **** **** 1111 [MERCHANT_CODES]"[..]));

    let secrets = load("secrets-only.toml");
    let t = secrets.tenant(DEFAULT_TENANT).unwrap();
    assert_eq!(t.evaluate(Direction::Both, b"mail a@b.io card 4111 1111 1111 1111").action, Action::Allow);
    assert_eq!(t.evaluate(Direction::Both, b"AKIAERUWYPB5TD57UJZT").action, Action::Allow);
    let d = t.evaluate(Direction::Both, b"token ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R");
    assert_eq!(ids(&d), [("github_token", Action::Block)]);
    let d = t.evaluate(Direction::Both, b"DEPLOY=dpl_Q8zR2kLm9XwP4vTnA7sD1fG3hJ5kL0pZ");
    assert_eq!(ids(&d), [("internal_deploy_token", Action::Block)]);

    let warn = load("warn-only.toml");
    let t = warn.tenant(DEFAULT_TENANT).unwrap();
    let d = t.evaluate(Direction::Both, b"ip 10.0.0.1 card 4111 1111 1111 1111");
    assert_eq!(ids(&d), [("ipv4", Action::Allow), ("credit_card", Action::Warn)]);
    assert_eq!(d.action, Action::Warn);
}

#[test]
fn hot_reload_keeps_the_old_policy_when_the_new_file_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, "version = 1\n[default.detectors.email]\naction = \"block\"\n").unwrap();
    let store = PolicyStore::open(&path).unwrap();
    let before = store.current();
    let action = |s: &PolicyStore| s.current().evaluate(DEFAULT_TENANT, Direction::Both, b"a@b.io").unwrap().action;
    assert_eq!(action(&store), Action::Block);

    std::fs::write(&path, "version = 1\n[default.detectors.email]\naction = \"redact\"\nbogus = 1\n").unwrap();
    let err = store.reload().unwrap_err();
    assert_eq!(err.kind(), PolicyErrorKind::UnknownKey);
    assert_eq!(err.line(), Some(4));
    assert_eq!(action(&store), Action::Block);

    std::fs::write(&path, "version = 1\n[default.detectors.email]\naction = \"redact\"\n").unwrap();
    store.reload().unwrap();
    assert_eq!(action(&store), Action::Redact);
    // A reader holding the old policy keeps a consistent view.
    assert_eq!(before.evaluate(DEFAULT_TENANT, Direction::Both, b"a@b.io").unwrap().action, Action::Block);
}

#[test]
fn readers_never_see_a_half_swapped_policy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    let write =
        |a: &str| std::fs::write(&path, format!("version = 1\n[default.detectors.email]\naction = \"{a}\"\n")).unwrap();
    write("block");
    let store = PolicyStore::open(&path).unwrap();
    std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut seen = std::collections::BTreeSet::new();
            for _ in 0..2000 {
                let d = store.current().evaluate(DEFAULT_TENANT, Direction::Both, b"a@b.io").unwrap();
                seen.insert(d.action);
            }
            seen
        });
        for i in 0..20 {
            write(["redact", "block", "warn"][i % 3]);
            store.reload().unwrap();
        }
        let seen = reader.join().unwrap();
        assert!(seen.iter().all(|a| [Action::Block, Action::Redact, Action::Warn].contains(a)), "{seen:?}");
    });
}

const STREAM_POLICY: &str = r#"
version = 1
[default]
default_action = "warn"
pseudonym_key = { env = "DLPJET_TEST_STREAM_KEY" }
[default.detectors.us_ssn]
action = "tokenize"
[default.detectors.email]
action = "redact"
[default.detectors.phone]
action = "redact"
redact = "partial"
keep_last = 2
[default.detectors.credit_card]
action = "block"
[default.detectors.ipv4]
action = "allow"
[default.regexes.ticket]
pattern = 'TICKET-[0-9]{4}'
keywords = ["ticket"]
[default.detectors.ticket]
action = "redact"
redact = "mask"
[tenants.capped]
limits = { max_input_bytes = 40, on_exceed = "truncate" }
"#;

const PIECES: &[&str] = &[
    "a@b.io",
    "jane.doe@mail.example.com",
    "+1 212 555 0147",
    "4111 1111 1111 1111",
    "4111111111111112",
    "10.0.0.1",
    "TICKET-1234",
    "ticket",
    "ssn 123-45-6789",
    " ",
    ", ",
    "\n",
    "@",
    "x",
    "é",
    "token: q8Zr2LmX0vTn5Ke7",
];

fn stream_decide(t: &dlpjet_policy::Tenant, data: &[u8], cuts: &[usize]) -> (Decision, Vec<u8>) {
    let mut s = t.stream(Direction::Inbound);
    let mut out = Vec::new();
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
    points.sort_unstable();
    let mut at = 0;
    for p in points.into_iter().chain([data.len()]) {
        if s.push(&data[at..p], &mut out).is_err() {
            break;
        }
        at = p;
    }
    (s.finish(&mut out), out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Streaming decisions equal one-shot decisions for any chunking: the same findings and
    /// actions and output; for a block, the same first blocking detector, and nothing of the
    /// blocking finding is released.
    #[test]
    fn streaming_decisions_equal_one_shot(
        parts in proptest::collection::vec(proptest::sample::select(PIECES), 0..24),
        cuts in proptest::collection::vec(any::<usize>(), 0..10),
        capped in any::<bool>(),
    ) {
        static P: std::sync::OnceLock<PolicySet> = std::sync::OnceLock::new();
        let p = P.get_or_init(|| {
            std::env::set_var("DLPJET_TEST_STREAM_KEY", "a stream test key of enough bytes");
            policy(STREAM_POLICY)
        });
        let t = p.tenant(if capped { "capped" } else { DEFAULT_TENANT }).unwrap();
        let data = parts.concat().into_bytes();
        let whole = t.evaluate(Direction::Inbound, &data);
        let (streamed, out) = stream_decide(t, &data, &cuts);
        prop_assert_eq!(streamed.action, whole.action);
        prop_assert_eq!(streamed.truncated, whole.truncated);
        if whole.action == Action::Block {
            let first = |d: &Decision| match &d.reason {
                Some(BlockReason::Detector { detector, .. }) => detector.to_string(),
                other => format!("{other:?}"),
            };
            prop_assert_eq!(first(&streamed), first(&whole));
            let blocking = whole.findings.iter().find(|f| f.action == Action::Block).unwrap();
            // Nothing of the blocking value is released (unless it occurred earlier as well).
            let v = blocking.finding.bytes(&data);
            let contains = |hay: &[u8]| hay.windows(v.len()).any(|w| w == v);
            prop_assert!(contains(&data[..blocking.finding.start]) || !contains(&out), "released {:?}", String::from_utf8_lossy(&out));
        } else {
            prop_assert_eq!(&streamed.findings, &whole.findings);
            prop_assert_eq!(&out[..], whole.output(&data).unwrap());
        }
        // The appending form decides the same and appends exactly the output.
        let mut into = b"kept".to_vec();
        let d = t.evaluate_into(Direction::Inbound, &data, &mut into);
        prop_assert_eq!(&d.findings, &whole.findings);
        prop_assert_eq!((d.action, d.truncated, d.redacted.is_none()), (whole.action, whole.truncated, true));
        prop_assert_eq!(&into[4..], whole.output(&data).unwrap_or_default());
    }
}

#[test]
fn narrowing_keeps_only_the_detectors_asked_for() {
    let text = r#"
        version = 1
        [default]
        default_action = "warn"
        [default.regexes.ticket]
        pattern = 'TICK-[0-9]{4}'
        [tenants.acme.detectors.email]
        action = "block"
    "#;
    let t = PolicySet::narrowed(text, None, "acme", &["email".into(), "ticket".into()]).unwrap();
    let kept: Vec<String> = t.plans().iter().map(|p| p.id.clone()).collect();
    assert_eq!(kept, ["email", "ticket"]);
    // The chosen tenant's own settings stay.
    let d = t.evaluate(Direction::Inbound, b"mail a@b.io about TICK-1234, card 4111 1111 1111 1111");
    assert_eq!(ids(&d), [("email", Action::Block), ("ticket", Action::Warn)]);
    let e = PolicySet::narrowed(text, None, "acme", &["nope".into()]).unwrap_err();
    assert_eq!((e.kind(), e.field()), (PolicyErrorKind::UnknownDetector, "detectors"));
    assert!(e.to_string().contains("\"nope\""));
    let e = PolicySet::narrowed(text, None, "nobody", &["email".into()]).unwrap_err();
    assert_eq!(e.kind(), PolicyErrorKind::UnknownTenant);
}

/// Documented examples (`AKIAIOSFODNN7EXAMPLE`) are dropped unless a detector's rule says
/// `report_examples = true`; the option is refused on a custom detector.
#[test]
fn a_policy_can_report_a_detectors_examples() {
    let text = b"key AKIAIOSFODNN7EXAMPLE";
    let quiet = policy("version = 1\n");
    assert!(ids(&quiet.tenant("default").unwrap().evaluate(Direction::Inbound, text)).is_empty());
    let loud = policy("version = 1\n[default.detectors.aws_access_key_id]\nreport_examples = true\n");
    let d = loud.tenant("default").unwrap().evaluate(Direction::Inbound, text);
    assert_eq!(ids(&d).iter().map(|(id, _)| *id).collect::<Vec<_>>(), ["aws_access_key_id"]);
    let e = PolicySet::from_toml(
        "version = 1\n[default.regexes.emp]\npattern = \"EMP-[0-9]{6}\"\n[default.detectors.emp]\nreport_examples = true\n",
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("report_examples applies only to built-in detectors"), "{e}");
}
