//! Generators of valid sensitive values (positives) and look-alikes (hard negatives).

use crate::rng::{Rng, ALNUM};
use dlpjet::validate::luhn_valid;

fn luhn_complete(prefix: &str, len: usize, rng: &mut Rng) -> String {
    let mut s = String::from(prefix);
    s.push_str(&rng.digits(len - prefix.len() - 1));
    for check in 0..10u8 {
        let cand = format!("{s}{check}");
        let d: Vec<u8> = cand.bytes().map(|b| b - b'0').collect();
        if luhn_valid(&d) {
            return cand;
        }
    }
    unreachable!("one check digit always completes a Luhn number")
}

/// A card number of a random network, contiguous (16-digit) digits.
pub fn card_digits(rng: &mut Rng) -> String {
    let (prefix, len) = *rng.pick(&[
        ("4", 16),
        ("4", 13),
        ("51", 16),
        ("55", 16),
        ("2221", 16),
        ("2720", 16),
        ("34", 15),
        ("37", 15),
        ("6011", 16),
        ("65", 16),
        ("3528", 16),
        ("3589", 19),
        ("36", 14),
        ("62", 16),
        ("4", 19),
    ]);
    luhn_complete(prefix, len, rng)
}

/// Formats card digits as people write them.
pub fn card_format(d: &str, rng: &mut Rng) -> String {
    match rng.below(4) {
        0 | 1 => d.to_string(),
        k => {
            let sep = if k == 2 { " " } else { "-" };
            if d.len() == 15 {
                format!("{}{sep}{}{sep}{}", &d[..4], &d[4..10], &d[10..])
            } else {
                d.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(sep)
            }
        }
    }
}

/// A card-shaped number whose Luhn check fails.
pub fn card_luhn_failure(rng: &mut Rng) -> String {
    let good = card_digits(rng);
    let last = good.as_bytes()[good.len() - 1] - b'0';
    format!("{}{}", &good[..good.len() - 1], (last + 1 + rng.below(8) as u8) % 10)
}

/// A valid SSN as `(area, group, serial)`.
pub fn ssn_parts(rng: &mut Rng) -> (u64, u64, u64) {
    let mut area = rng.range(1, 900);
    if area == 666 {
        area = 665;
    }
    (area, rng.range(1, 100), rng.range(1, 10000))
}

/// A US ITIN in the IRS's ranges: area 900-999, group 50-65, 70-88, 90-92 or 94-99.
pub fn itin(rng: &mut Rng) -> String {
    let group = *rng.pick(&[50u64, 57, 65, 70, 78, 88, 90, 92, 94, 99]);
    let sep = if rng.chance(0.8) { "-" } else { " " };
    format!("{}{sep}{group:02}{sep}{:04}", rng.range(900, 1000), rng.range(1, 10000))
}

/// A formatted SSN.
pub fn ssn(rng: &mut Rng) -> String {
    let (a, g, s) = ssn_parts(rng);
    let sep = if rng.chance(0.8) { "-" } else { " " };
    format!("{a:03}{sep}{g:02}{sep}{s:04}")
}

/// An SSN-shaped number that could never be issued.
pub fn ssn_invalid(rng: &mut Rng) -> String {
    let (a, g, s) = ssn_parts(rng);
    match rng.below(4) {
        0 => format!("000-{g:02}-{s:04}"),
        1 => format!("666-{g:02}-{s:04}"),
        // A 900-series area with a group no ITIN uses (ITINs are found as `us_itin`).
        2 => format!(
            "{}-{:02}-{s:04}",
            rng.range(900, 1000),
            *rng.pick(&[1u64, 12, 23, 34, 45, 49, 66, 67, 68, 69, 89, 93])
        ),
        _ => format!("{a:03}-00-{s:04}"),
    }
}

const FIRST: &[&str] =
    &["jane", "john", "maria", "wei", "amir", "olga", "tom", "priya", "lucas", "fatima", "kenji", "ana"];
const LAST: &[&str] =
    &["doe", "smith", "garcia", "chen", "haddad", "ivanova", "brown", "patel", "silva", "okafor", "sato"];
const DOMAINS: &[&str] = &[
    "example.com",
    "mail.example.org",
    "corp.example.net",
    "example.co.uk",
    "inbox.example.io",
    "example.technology",
    "dept.example.edu",
    "example.travel",
];

/// A person's name, for prose.
pub fn name(rng: &mut Rng) -> String {
    let cap = |s: &&str| s[..1].to_uppercase() + &s[1..];
    format!("{} {}", cap(rng.pick(FIRST)), cap(rng.pick(LAST)))
}

/// An e-mail address.
pub fn email(rng: &mut Rng) -> String {
    let (f, l) = (rng.pick(FIRST), rng.pick(LAST));
    let local = match rng.below(4) {
        0 => format!("{f}.{l}"),
        1 => format!("{f}{}", rng.digits(2)),
        2 => format!("{f}.{l}+{}", rng.pick(&["news", "billing", "dev"])),
        _ => format!("{}_{l}", &f[..1]),
    };
    format!("{local}@{}", rng.pick(DOMAINS))
}

/// A phone number in one of the common written forms.
pub fn phone(rng: &mut Rng) -> String {
    let area = rng.range(201, 990);
    let exch = rng.range(200, 1000);
    let line = rng.range(0, 10000);
    match rng.below(7) {
        0 => format!("({area}) {exch}-{line:04}"),
        1 => format!("{area}-{exch}-{line:04}"),
        2 => format!("{area}.{exch}.{line:04}"),
        3 => format!("+1 {area} {exch} {line:04}"),
        4 => format!("+1 ({area}) {exch}-{line:04}"),
        5 => format!("+44 20 {} {}", rng.digits(4), rng.digits(4)),
        _ => format!("+49 30 {}", rng.digits(7)),
    }
}

/// An AWS access key id.
pub fn aws_key_id(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(&["AKIA", "ASIA"]), rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16))
}

/// An AWS secret access key (40 base64 characters of mixed case and digits).
pub fn aws_secret(rng: &mut Rng) -> String {
    loop {
        let s = rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+", 40);
        if s.bytes().any(|b| b.is_ascii_uppercase())
            && s.bytes().any(|b| b.is_ascii_lowercase())
            && s.bytes().any(|b| b.is_ascii_digit())
        {
            return s;
        }
    }
}

/// A GitHub token.
pub fn github_token(rng: &mut Rng) -> String {
    if rng.chance(0.8) {
        format!("{}{}", rng.pick(&["ghp_", "gho_", "ghs_", "ghu_", "ghr_"]), rng.string(ALNUM, 36))
    } else {
        format!("github_pat_{}_{}", rng.string(ALNUM, 22), rng.string(ALNUM, 59))
    }
}

/// A dlpjet API key with a valid checksum.
pub fn dlpjet_key(rng: &mut Rng) -> String {
    let body = format!("dlpjet_live_{}_{}", rng.string(ALNUM, 12), rng.string(ALNUM, 32));
    let check = dlpjet::validate::apikey::checksum(body.as_bytes());
    format!("{body}{}", String::from_utf8_lossy(&check))
}

/// An AI provider's API key in its published format: (environment variable, detector, key).
pub fn provider_key(rng: &mut Rng) -> (&'static str, &'static str, String) {
    const TOKEN: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    match rng.below(4) {
        0 => {
            let prefix = *rng.pick(&["sk-ant-api03-", "sk-ant-admin01-"]);
            ("ANTHROPIC_API_KEY", "anthropic_key", format!("{prefix}{}AA", rng.string(TOKEN, 93)))
        }
        1 => ("GROQ_API_KEY", "groq_key", format!("gsk_{}", rng.string(ALNUM, 52))),
        2 => {
            let prefix = *rng.pick(&["hf_", "api_org_"]);
            ("HF_TOKEN", "huggingface_token", format!("{prefix}{}", rng.string(LETTERS, 34)))
        }
        _ => ("XAI_API_KEY", "xai_key", format!("xai-{}{}", rng.digits(1), rng.string(ALNUM, 79))),
    }
}

/// A cloud or package-registry credential as a configuration file holds it: (text before,
/// detector, key, text after).
pub fn cloud_key(rng: &mut Rng) -> (String, &'static str, String, String) {
    const TOKEN: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    match rng.below(4) {
        0 => {
            let key = format!("SG.{}.{}", rng.string(TOKEN, 22), rng.string(TOKEN, 43));
            ("SENDGRID_API_KEY=".into(), "sendgrid_key", key, String::new())
        }
        1 => {
            let key = format!("npm_{}{}", rng.digits(1), rng.string(ALNUM, 35));
            ("//registry.npmjs.org/:_authToken=".into(), "npm_token", key, String::new())
        }
        2 => {
            let n = 120 + rng.below(60);
            let key = format!("pypi-AgEIcHlwaS5vcmc{}", rng.string(TOKEN, n));
            ("TWINE_PASSWORD=".into(), "pypi_token", key, String::new())
        }
        _ => {
            let account = rng.string(b"abcdefghijklmnopqrstuvwxyz0123456789", 12);
            let before = format!(
                "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName={account};AccountKey="
            );
            (
                before,
                "azure_storage_key",
                format!("{}==", rng.string(B64, 86)),
                ";EndpointSuffix=core.windows.net".into(),
            )
        }
    }
}

/// A Slack token or webhook URL.
pub fn slack(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => format!("xoxb-{}-{}-{}", rng.digits(11), rng.digits(13), rng.string(ALNUM, 24)),
        1 => format!(
            "xoxp-{}-{}-{}-{}",
            rng.digits(11),
            rng.digits(11),
            rng.digits(13),
            rng.string(b"0123456789abcdef", 32)
        ),
        _ => format!(
            "https://hooks.slack.com/services/T{}/B{}/{}",
            rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 8),
            rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10),
            rng.string(ALNUM, 24)
        ),
    }
}

/// A Stripe live key.
pub fn stripe(rng: &mut Rng) -> String {
    let prefix = *rng.pick(&["sk_live_", "rk_live_"]);
    let n = 24 + rng.below(76);
    format!("{prefix}{}", rng.string(ALNUM, n))
}

/// An OpenAI key.
pub fn openai(rng: &mut Rng) -> String {
    if rng.chance(0.5) {
        format!("sk-{}T3BlbkFJ{}", rng.string(ALNUM, 20), rng.string(ALNUM, 20))
    } else {
        let body = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        format!("sk-proj-{}T3BlbkFJ{}", rng.string(body, 74), rng.string(body, 74))
    }
}

/// A Google API key.
pub fn google(rng: &mut Rng) -> String {
    format!("AIza{}", rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 35))
}

/// A PEM or OpenSSH private key block, lines joined with `nl`.
pub fn private_key(rng: &mut Rng, nl: &str) -> String {
    let label = *rng.pick(&["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"]);
    let b64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let lines: Vec<String> = (0..rng.range(3, 12)).map(|_| rng.string(b64, 64)).collect();
    format!("-----BEGIN {label}-----{nl}{}{nl}-----END {label}-----", lines.join(nl))
}

/// A public key or certificate block (a hard negative).
pub fn public_block(rng: &mut Rng, nl: &str) -> String {
    let label = *rng.pick(&["PUBLIC KEY", "CERTIFICATE", "RSA PUBLIC KEY"]);
    let b64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let lines: Vec<String> = (0..rng.range(2, 6)).map(|_| rng.string(b64, 64)).collect();
    format!("-----BEGIN {label}-----{nl}{}{nl}-----END {label}-----", lines.join(nl))
}

fn b64url(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (b as u32) << (16 - 8 * i));
        for i in 0..chunk.len() + 1 {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// A JWT.
pub fn jwt(rng: &mut Rng) -> String {
    let header = format!(r#"{{"alg":"{}","typ":"JWT"}}"#, rng.pick(&["HS256", "RS256", "ES256"]));
    let payload = format!(r#"{{"sub":"{}","iat":{}}}"#, rng.digits(8), rng.range(1_600_000_000, 1_800_000_000));
    let sig = rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 43);
    format!("{}.{}.{sig}", b64url(header.as_bytes()), b64url(payload.as_bytes()))
}

/// An IPv4 address.
pub fn ipv4(rng: &mut Rng) -> String {
    format!("{}.{}.{}.{}", rng.range(1, 224), rng.range(0, 256), rng.range(0, 256), rng.range(1, 255))
}

/// An IPv6 address, full or compressed.
pub fn ipv6(rng: &mut Rng) -> String {
    let g: Vec<String> = (0..8).map(|_| format!("{:x}", rng.range(1, 0x10000))).collect();
    match rng.below(3) {
        0 => g.join(":"),
        1 => format!("2001:db8:{}::{}", g[2], g[7]),
        _ => format!("fe80::{}:{}:{}", g[5], g[6], g[7]),
    }
}

/// A valid IBAN, grouped in fours or not.
pub fn iban(rng: &mut Rng) -> String {
    let (cc, bban) = match rng.below(5) {
        0 => ("DE", rng.digits(18)),
        1 => ("FR", format!("{}{}", rng.digits(21), rng.digits(2))),
        2 => ("GB", format!("{}{}", rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 4), rng.digits(14))),
        3 => ("NL", format!("{}{}", rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 4), rng.digits(10))),
        _ => ("ES", rng.digits(20)),
    };
    let rearranged = format!("{bban}{cc}00");
    let mut rem = 0u64;
    for b in rearranged.bytes() {
        rem = if b.is_ascii_digit() {
            (rem * 10 + (b - b'0') as u64) % 97
        } else {
            (rem * 100 + (b - b'A' + 10) as u64) % 97
        };
    }
    let raw = format!("{cc}{:02}{bban}", 98 - rem);
    if rng.chance(0.5) {
        raw.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(" ")
    } else {
        raw
    }
}

/// An IBAN whose check digits are wrong.
pub fn iban_invalid(rng: &mut Rng) -> String {
    let good = iban(rng).replace(' ', "");
    let check: u32 = good[2..4].parse().unwrap();
    format!("{}{:02}{}", &good[..2], (check + 1 + rng.below(50) as u32) % 97 + 2, &good[4..])
}

/// A high-entropy password.
pub fn password(rng: &mut Rng) -> String {
    loop {
        let n = 12 + rng.below(12);
        let s = rng.string(b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%*-_", n);
        let marker = ["xxxx", "***", "...."].iter().any(|m| s.contains(m));
        if dlpjet::validate::shannon_entropy(s.as_bytes()) >= 3.6 && !marker {
            return s;
        }
    }
}

/// A UUID.
pub fn uuid(rng: &mut Rng) -> String {
    let h = rng.string(b"0123456789abcdef", 32);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

/// A git commit hash.
pub fn git_sha(rng: &mut Rng) -> String {
    rng.string(b"0123456789abcdef", 40)
}
