//! The dlpjet labelled corpus: a deterministic, seeded generator of documents (prose,
//! source/config/logs, chat JSON) with planted sensitive values and hard negatives, ground
//! truth as byte spans, and an evaluator that reports precision, recall and F1 per detector.
//!
//! ```
//! let docs = dlpjet_corpus::generate(7, 3);
//! assert_eq!(docs.len(), 3);
//! assert_eq!(dlpjet_corpus::generate(7, 3), docs); // same seed, same corpus
//! let d = &docs[0];
//! for l in &d.labels {
//!     assert!(l.end <= d.text.len());
//! }
//! ```
#![deny(missing_docs)]

pub mod eval;
pub mod rng;
pub mod truth;
pub mod values;

use rng::Rng;
use serde::{Deserialize, Serialize};

/// A labelled span of a document: a planted positive (`detector`) or a hard negative (`negative`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    /// File name of the document.
    pub file: String,
    /// Detector id of a positive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detector: Option<String>,
    /// Kind of a hard negative (`luhn_failure`, `git_sha`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negative: Option<String>,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset just past the last byte.
    pub end: usize,
}

/// One generated document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Doc {
    /// File name (`00042-chat.json`, …).
    pub name: String,
    /// The text.
    pub text: String,
    /// Ground truth.
    pub labels: Vec<Label>,
}

struct Builder {
    name: String,
    text: String,
    labels: Vec<Label>,
    json: bool,
    /// Probability that a sentence or config line carries a planted value.
    rate: f64,
}

impl Builder {
    fn push(&mut self, s: &str) {
        if self.json {
            let q = serde_json::to_string(s).expect("strings serialise");
            self.text.push_str(&q[1..q.len() - 1]);
        } else {
            self.text.push_str(s);
        }
    }

    fn label(&mut self, detector: Option<&str>, negative: Option<&str>, value: &str) {
        let start = self.text.len();
        self.push(value);
        self.labels.push(Label {
            file: self.name.clone(),
            detector: detector.map(String::from),
            negative: negative.map(String::from),
            start,
            end: self.text.len(),
        });
    }

    fn pos(&mut self, detector: &str, value: &str) {
        self.label(Some(detector), None, value);
    }

    fn neg(&mut self, kind: &str, value: &str) {
        self.label(None, Some(kind), value);
    }
}

const WORDS: &[&str] = &[
    "the",
    "quarterly",
    "report",
    "shows",
    "that",
    "our",
    "team",
    "shipped",
    "a",
    "new",
    "release",
    "of",
    "service",
    "and",
    "customers",
    "were",
    "happy",
    "with",
    "latency",
    "improvements",
    "please",
    "review",
    "attached",
    "notes",
    "before",
    "meeting",
    "on",
    "friday",
    "we",
    "should",
    "discuss",
    "budget",
    "roadmap",
    "hiring",
    "plan",
    "for",
    "next",
    "year",
    "while",
    "keeping",
    "risk",
    "low",
    "migration",
    "database",
    "cluster",
    "deploy",
    "pipeline",
];

fn filler(b: &mut Builder, rng: &mut Rng, words: usize) {
    for i in 0..words {
        if i > 0 {
            b.push(" ");
        }
        b.push(rng.pick::<&str>(WORDS));
    }
    b.push(". ");
}

/// Inserts a zero-width space or swaps to full-width digits, the tricks evaders use.
fn evade(v: &str, rng: &mut Rng) -> String {
    if rng.chance(0.5) {
        v.chars()
            .map(|c| if c.is_ascii_digit() { char::from_u32(0xFF10 + (c as u32 - 0x30)).unwrap() } else { c })
            .collect()
    } else {
        let mut out = String::new();
        for (i, c) in v.chars().enumerate() {
            if i > 0 && i % 4 == 0 && c.is_ascii_digit() {
                out.push('\u{200B}');
            }
            out.push(c);
        }
        out
    }
}

/// One prose sentence with planted values.
fn sentence(b: &mut Builder, rng: &mut Rng) {
    use values as v;
    if !rng.chance(b.rate) {
        let n = 6 + rng.below(14);
        filler(b, rng, n);
        return;
    }
    match rng.below(16) {
        0 => {
            b.push("Please charge my card ");
            let c = v::card_format(&v::card_digits(rng), rng);
            let c = if rng.chance(0.1) { evade(&c, rng) } else { c };
            b.pos("credit_card", &c);
            b.push(" for the renewal. ");
        }
        1 => {
            b.push("Her SSN is ");
            let s = v::ssn(rng);
            let s = if rng.chance(0.1) { evade(&s, rng) } else { s };
            b.pos("us_ssn", &s);
            b.push(" per the form. ");
        }
        2 => {
            let (a, g, s) = v::ssn_parts(rng);
            b.push("social security number: ");
            b.pos("us_ssn", &format!("{a:03}{g:02}{s:04}"));
            b.push(". ");
        }
        3 => {
            b.push("You can reach ");
            let n = v::name(rng);
            b.push(&n);
            b.push(" at ");
            b.pos("email", &v::email(rng));
            b.push(" or by phone at ");
            let p = v::phone(rng);
            let p = if rng.chance(0.1) && !p.starts_with('+') { evade(&p, rng) } else { p };
            b.pos("phone", &p);
            b.push(". ");
        }
        4 => {
            b.push("The server at ");
            b.pos("ipv4", &v::ipv4(rng));
            b.push(" was upgraded to version ");
            b.neg("version", &format!("{}.{}.{}", rng.range(1, 20), rng.range(0, 30), rng.range(0, 200)));
            b.push(" last night. ");
        }
        5 => {
            b.push("Wire the deposit to IBAN ");
            b.pos("iban", &v::iban(rng));
            b.push(" before Monday. ");
        }
        6 => {
            b.push("Order ");
            b.neg("order_number", &format!("{}", rng.range(100_000_000, 999_999_999)));
            b.push(" shipped on ");
            b.neg("date", &format!("2024-{:02}-{:02}", rng.range(1, 13), rng.range(1, 29)));
            b.push(" at ");
            b.neg("timestamp", &format!("{:02}:{:02}:{:02}", rng.range(0, 24), rng.range(0, 60), rng.range(0, 60)));
            b.push(". ");
        }
        7 => {
            b.push("The test card ");
            b.neg("luhn_failure", &v::card_format(&v::card_luhn_failure(rng), rng));
            b.push(" was declined. ");
        }
        8 => {
            b.push("Case reference ");
            b.neg("invalid_ssn", &v::ssn_invalid(rng));
            b.push(" is not a real number, but the ITIN ");
            b.pos("us_itin", &v::itin(rng));
            b.push(" is. ");
        }
        9 => {
            b.push("Ticket ");
            b.neg("uuid", &v::uuid(rng));
            b.push(" is fixed in commit ");
            b.neg("git_sha", &v::git_sha(rng));
            b.push(". ");
        }
        10 => {
            b.push("The old account ");
            b.neg("iban_invalid", &v::iban_invalid(rng));
            b.push(" was closed. ");
        }
        11 => {
            b.push("The total was $");
            b.neg("price", &format!("{},{:03}.{:02}", rng.range(1, 99), rng.range(0, 1000), rng.range(0, 100)));
            b.push(" for ");
            b.neg("quantity", &format!("{}", rng.range(2, 5000)));
            b.push(" units. ");
        }
        12 => {
            b.push("Send the logs to ");
            b.neg("local_host", &format!("{}@localhost", rng.pick(&["root", "admin", "ops"])));
            b.push(" and the mac ");
            let mac: Vec<String> = (0..6).map(|_| format!("{:02x}", rng.range(0, 256))).collect();
            b.neg("mac_address", &mac.join(":"));
            b.push(". ");
        }
        13 => {
            b.push("Build v");
            b.neg("version", &format!("{}.{}.{}", rng.range(1, 9), rng.range(0, 20), rng.range(0, 50)));
            b.push(" fixed the issue from ");
            b.neg("date", &format!("{:02}/{:02}/2023", rng.range(1, 13), rng.range(1, 29)));
            b.push(". ");
        }
        14 => {
            b.push("Reach the gateway on ");
            b.pos("ipv6", &v::ipv6(rng));
            b.push(" for the test. ");
        }
        _ => {
            let n = 6 + rng.below(10);
            filler(b, rng, n)
        }
    }
}

fn prose(b: &mut Builder, rng: &mut Rng) {
    for _ in 0..rng.range(6, 20) {
        sentence(b, rng);
        if rng.chance(0.2) {
            b.push("\n\n");
        }
    }
}

fn config(b: &mut Builder, rng: &mut Rng) {
    use values as v;
    for _ in 0..rng.range(4, 12) {
        if !rng.chance(b.rate) {
            benign_config(b, rng);
            continue;
        }
        match rng.below(15) {
            0 => {
                b.push("AWS_ACCESS_KEY_ID=");
                b.pos("aws_access_key_id", &v::aws_key_id(rng));
                b.push("\nAWS_SECRET_ACCESS_KEY=");
                b.pos("aws_secret_access_key", &v::aws_secret(rng));
                b.push("\n");
            }
            1 => {
                b.push("DB_PASSWORD=\"");
                b.pos("generic_secret", &v::password(rng));
                b.push("\"\n");
            }
            2 => {
                b.push("stripe:\n  secret_key: ");
                b.pos("stripe_key", &v::stripe(rng));
                b.push("\n");
            }
            3 => {
                b.push("client = OpenAI(api_key=\"");
                b.pos("openai_key", &v::openai(rng));
                b.push("\")\n");
            }
            4 => {
                b.push("GITHUB_TOKEN = \"");
                b.pos("github_token", &v::github_token(rng));
                b.push("\"\n");
            }
            5 => {
                b.push("# deploy key\n");
                b.pos("private_key", &v::private_key(rng, "\n"));
                b.push("\n");
            }
            6 => {
                b.push("headers = {\"Authorization\": \"Bearer ");
                b.pos("jwt", &v::jwt(rng));
                b.push("\"}\n");
            }
            7 => {
                b.push("SLACK_WEBHOOK=");
                b.pos("slack_token", &v::slack(rng));
                b.push("\n");
            }
            8 => {
                b.push("maps_key: \"");
                b.pos("google_api_key", &v::google(rng));
                b.push("\"\n");
            }
            9 => {
                b.push(rng.pick::<&str>(&["password = \"", "api_key: \"", "secret = \""]));
                b.neg(
                    "placeholder",
                    rng.pick::<&str>(&["changeme", "${API_KEY}", "<your-token>", "xxxxxxxxxxxxxxxx", "{{ secret }}"]),
                );
                b.push("\"\n");
            }
            10 => {
                b.push("# commit ");
                b.neg("git_sha", &v::git_sha(rng));
                b.push(" (release ");
                b.neg("version", &format!("{}.{}.{}", rng.range(1, 9), rng.range(0, 20), rng.range(0, 50)));
                b.push(")\nrequest_id = \"");
                b.neg("uuid", &v::uuid(rng));
                b.push("\"\n");
            }
            11 => {
                b.push("ca_cert = \"\"\"\n");
                b.neg("public_key", &v::public_block(rng, "\n"));
                b.push("\n\"\"\"\n");
            }
            12 => {
                b.push("api_secret: ");
                b.pos("generic_secret", &v::password(rng));
                b.push("\ntimeout: 30\n");
            }
            13 => {
                b.push("DLPJET_API_KEY=");
                b.pos("dlpjet_api_key", &v::dlpjet_key(rng));
                b.push("\n");
                // The AI providers' keys a gateway's configuration holds.
                let (name, id, key) = v::provider_key(rng);
                b.push(&format!("{name}="));
                b.pos(id, &key);
                b.push("\n");
                // And a cloud or package-registry credential.
                let (before, id, key, after) = v::cloud_key(rng);
                b.push(&before);
                b.pos(id, &key);
                b.push(&after);
                b.push("\n");
            }
            _ => {
                b.push("token = get_token(user_id)\nmax_tokens = 4096\nreplicas = ");
                b.push(&rng.range(1, 9).to_string());
                b.push("\n");
            }
        }
    }
}

/// A configuration line with nothing sensitive in it.
fn benign_config(b: &mut Builder, rng: &mut Rng) {
    let key =
        *rng.pick(&["timeout", "max_connections", "log_level", "region", "replicas", "cache_ttl", "feature_flags"]);
    let val = *rng.pick(&["30", "info", "eu-west-1", "true", "[\"search\", \"export\"]", "3600", "debug"]);
    b.push(&format!("{key} = {val}\n"));
}

fn logs(b: &mut Builder, rng: &mut Rng) {
    use values as v;
    for _ in 0..rng.range(8, 30) {
        if !rng.chance(b.rate) {
            b.push(&format!(
                "{} INFO request handled in {}ms status=200 path=/api/v2/",
                *rng.pick(&["GET", "POST"]),
                rng.range(1, 900)
            ));
            let n = 3 + rng.below(6);
            filler(b, rng, n);
            b.push("\n");
            continue;
        }
        let ts = format!(
            "2024-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            rng.range(1, 13),
            rng.range(1, 29),
            rng.range(0, 24),
            rng.range(0, 60),
            rng.range(0, 60),
            rng.range(0, 1000)
        );
        b.neg("timestamp", &ts);
        match rng.below(5) {
            0 => {
                b.push(" INFO login user=");
                b.pos("email", &v::email(rng));
                b.push(" ip=");
                b.pos("ipv4", &v::ipv4(rng));
                b.push(" req=");
                b.neg("uuid", &v::uuid(rng));
            }
            1 => {
                b.push(" WARN failed auth from ");
                b.pos("ipv6", &v::ipv6(rng));
                b.push(" after ");
                b.push(&rng.range(2, 900).to_string());
                b.push("ms");
            }
            2 => {
                b.push(" DEBUG payload card=");
                b.pos("credit_card", &v::card_digits(rng));
                b.push(" amount=");
                b.push(&format!("{}.{:02}", rng.range(1, 5000), rng.range(0, 100)));
            }
            3 => {
                b.push(" INFO build ");
                b.neg("version", &format!("{}.{}.{}", rng.range(1, 9), rng.range(0, 20), rng.range(0, 50)));
                b.push(" commit ");
                b.neg("git_sha", &v::git_sha(rng));
            }
            _ => {
                b.push(" ERROR callback to ");
                b.pos("phone", &v::phone(rng));
                b.push(" timed out");
            }
        }
        b.push("\n");
    }
}

fn chat(b: &mut Builder, rng: &mut Rng) {
    b.text.push_str("{\"model\":\"gpt-4o\",\"messages\":[");
    for i in 0..rng.range(2, 6) {
        if i > 0 {
            b.text.push(',');
        }
        let role = if i % 2 == 0 { "user" } else { "assistant" };
        b.text.push_str(&format!("{{\"role\":\"{role}\",\"content\":\""));
        b.json = true;
        for _ in 0..rng.range(2, 6) {
            sentence(b, rng);
        }
        if rng.chance(0.15) {
            b.push("Here is the key:\n");
            b.pos("private_key", &values::private_key(rng, "\n"));
        }
        if rng.chance(0.15) {
            b.push("My token is ");
            b.pos("github_token", &values::github_token(rng));
        }
        b.json = false;
        b.text.push_str("\"}");
    }
    b.text.push_str("],\"max_tokens\":1024}\n");
}

/// Generates `n` documents from `seed`, densely planted (the evaluation corpus: almost every
/// sentence or line carries a positive or a hard negative). The same seed always gives the
/// same documents.
pub fn generate(seed: u64, n: usize) -> Vec<Doc> {
    generate_with(seed, n, 1.0)
}

/// Generates `n` documents where a sentence or line carries a planted value with probability
/// `rate`; the rest is benign prose, configuration and log lines.
pub fn generate_with(seed: u64, n: usize, rate: f64) -> Vec<Doc> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let kind = *rng.pick(&["prose", "config", "logs", "chat"]);
            let ext = match kind {
                "chat" => "json",
                "logs" => "log",
                "config" => "env",
                _ => "txt",
            };
            let mut b = Builder {
                name: format!("{i:05}-{kind}.{ext}"),
                text: String::new(),
                labels: Vec::new(),
                json: false,
                rate,
            };
            match kind {
                "prose" => prose(&mut b, &mut rng),
                "config" => config(&mut b, &mut rng),
                "logs" => logs(&mut b, &mut rng),
                _ => chat(&mut b, &mut rng),
            }
            Doc { name: b.name, text: b.text, labels: b.labels }
        })
        .collect()
}

/// The mixed corpus for throughput benchmarks: documents of every kind at a realistic density
/// (a planted value in about one sentence or line in twenty), joined into exactly `bytes`
/// bytes, repeating as needed.
pub fn mixed_text(seed: u64, bytes: usize) -> Vec<u8> {
    joined(&generate_with(seed, 400, 0.05), bytes)
}

/// The densely planted evaluation corpus joined into `bytes` bytes (a value every ~120 bytes).
pub fn dense_text(seed: u64, bytes: usize) -> Vec<u8> {
    joined(&generate(seed, 400), bytes)
}

fn joined(docs: &[Doc], bytes: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes + 8192);
    while out.len() < bytes {
        for d in docs {
            out.extend_from_slice(d.text.as_bytes());
            out.push(b'\n');
            if out.len() >= bytes {
                break;
            }
        }
    }
    out.truncate(bytes);
    out
}
