//! Documented example and placeholder values of credentials, dropped before they are reported:
//! vendors' published examples (`AKIAIOSFODNN7EXAMPLE`), filler (`AKIAXXXXXXXXXXXXXXXX`,
//! `ghp_xxxx…`), runs of one character and alphabet runs (`abcdefghijklmnop`, `0123456789`).
//!
//! Each rule has a name that `Scanner::explain` reports ([`crate::Rejection::Example`]), and
//! a scanner can keep reporting a detector's examples
//! ([`crate::ScannerBuilder::report_examples`]).

use super::catalog::Builtin;

/// The detectors whose examples are dropped by default: credentials, whose documented
/// examples are everywhere in docs and tests and protect nothing.
pub(crate) const DEFAULT: [Builtin; 16] = [
    Builtin::AwsAccessKeyId,
    Builtin::AwsSecretAccessKey,
    Builtin::GithubToken,
    Builtin::SlackToken,
    Builtin::StripeKey,
    Builtin::OpenaiKey,
    Builtin::GoogleApiKey,
    Builtin::GenericSecret,
    Builtin::AnthropicKey,
    Builtin::GroqKey,
    Builtin::HuggingfaceToken,
    Builtin::XaiKey,
    Builtin::SendgridKey,
    Builtin::NpmToken,
    Builtin::PypiToken,
    Builtin::AzureStorageKey,
];

/// Published example values, dropped whole.
const PUBLISHED: &[&[u8]] = &[b"AKIAIOSFODNN7EXAMPLE", b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"];

/// How long a run of one character, or of consecutive characters, marks filler.
const RUN: usize = 8;

/// The rule that makes `value` an example, if one does.
pub(crate) fn rule(value: &[u8]) -> Option<&'static str> {
    if PUBLISHED.iter().any(|p| memchr::memmem::find(value, p).is_some()) {
        return Some("published example");
    }
    // AWS's documentation marks every example key with EXAMPLE.
    if memchr::memmem::find(value, b"EXAMPLE").is_some() {
        return Some("EXAMPLE marker");
    }
    let (mut same, mut step) = (1usize, 1usize);
    for w in value.windows(2) {
        let alnum = w[0].is_ascii_alphanumeric() && w[1].is_ascii_alphanumeric();
        same = if alnum && w[0] == w[1] { same + 1 } else { 1 };
        step = if alnum && w[1] == w[0].wrapping_add(1) { step + 1 } else { 1 };
        if same >= RUN {
            return Some("repeated character");
        }
        if step >= RUN {
            return Some("alphabet run");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::rule;

    #[test]
    fn examples_and_filler() {
        for (v, want) in [
            ("AKIAIOSFODNN7EXAMPLE", Some("published example")),
            ("AKIAI44QH8DHBEXAMPLE", Some("EXAMPLE marker")),
            ("AKIAXXXXXXXXXXXXXXXX", Some("repeated character")),
            ("ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", Some("repeated character")),
            ("AIzaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", Some("repeated character")),
            ("abcdefghijklmnopqrstuvwxyz1234567", Some("alphabet run")),
            ("sk-0123456789", Some("alphabet run")),
            ("AKIAJ7Q2ZP4M6X5N3R8T", None),
            ("ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R", None),
            ("aaa-aaa-aaa-aaa", None),
        ] {
            assert_eq!(rule(v.as_bytes()), want, "{v}");
        }
    }
}
