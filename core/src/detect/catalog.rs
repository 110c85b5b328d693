//! The built-in detector catalogue: stable ids shared by every surface of dlpjet.

/// A built-in detector. Its [`id`](Builtin::id) is the stable string every surface uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Builtin {
    /// Payment card numbers (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay), Luhn-checked.
    CreditCard,
    /// US Social Security numbers.
    UsSsn,
    /// E-mail addresses.
    Email,
    /// NANP and E.164 phone numbers.
    Phone,
    /// AWS access key ids (AKIA…, ASIA…).
    AwsAccessKeyId,
    /// AWS secret access keys next to an AWS key name or access key id.
    AwsSecretAccessKey,
    /// GitHub personal, OAuth, app and fine-grained tokens.
    GithubToken,
    /// Slack tokens and incoming-webhook URLs.
    SlackToken,
    /// Stripe live secret and restricted keys.
    StripeKey,
    /// OpenAI API keys.
    OpenaiKey,
    /// Google API keys.
    GoogleApiKey,
    /// PEM and OpenSSH private key blocks.
    PrivateKey,
    /// JSON Web Tokens.
    Jwt,
    /// IPv4 addresses.
    Ipv4,
    /// IPv6 addresses.
    Ipv6,
    /// International Bank Account Numbers, mod-97 checked.
    Iban,
    /// High-entropy values assigned to secret-looking keys (`password = "…"`).
    GenericSecret,
    /// dlpjet's own API keys (`dlpjet_live_…`), checksum-checked.
    DlpjetApiKey,
    /// Anthropic API and admin keys (`sk-ant-api03-…`, `sk-ant-admin01-…`).
    AnthropicKey,
    /// Groq API keys (`gsk_…`).
    GroqKey,
    /// Hugging Face access and organisation tokens (`hf_…`, `api_org_…`).
    HuggingfaceToken,
    /// xAI API keys (`xai-…`).
    XaiKey,
    /// US Individual Taxpayer Identification Numbers (9XX-7X-XXXX in the IRS's ranges).
    UsItin,
    /// SendGrid API keys (`SG.` + 22 + `.` + 43).
    SendgridKey,
    /// npm access tokens (`npm_` + 36).
    NpmToken,
    /// PyPI API tokens (`pypi-AgEIcHlwaS5vcmc…`, macaroons for pypi.org).
    PypiToken,
    /// Azure storage account keys in connection strings (`AccountKey=` + 86 base64 + `==`).
    AzureStorageKey,
}

impl Builtin {
    /// Every built-in detector, in catalogue order.
    pub const ALL: [Builtin; 27] = [
        Builtin::CreditCard,
        Builtin::UsSsn,
        Builtin::Email,
        Builtin::Phone,
        Builtin::AwsAccessKeyId,
        Builtin::AwsSecretAccessKey,
        Builtin::GithubToken,
        Builtin::SlackToken,
        Builtin::StripeKey,
        Builtin::OpenaiKey,
        Builtin::GoogleApiKey,
        Builtin::PrivateKey,
        Builtin::Jwt,
        Builtin::Ipv4,
        Builtin::Ipv6,
        Builtin::Iban,
        Builtin::GenericSecret,
        Builtin::DlpjetApiKey,
        Builtin::AnthropicKey,
        Builtin::GroqKey,
        Builtin::HuggingfaceToken,
        Builtin::XaiKey,
        Builtin::UsItin,
        Builtin::SendgridKey,
        Builtin::NpmToken,
        Builtin::PypiToken,
        Builtin::AzureStorageKey,
    ];

    /// The stable id (`"credit_card"`, `"us_ssn"`, …).
    pub fn id(self) -> &'static str {
        match self {
            Builtin::CreditCard => "credit_card",
            Builtin::UsSsn => "us_ssn",
            Builtin::Email => "email",
            Builtin::Phone => "phone",
            Builtin::AwsAccessKeyId => "aws_access_key_id",
            Builtin::AwsSecretAccessKey => "aws_secret_access_key",
            Builtin::GithubToken => "github_token",
            Builtin::SlackToken => "slack_token",
            Builtin::StripeKey => "stripe_key",
            Builtin::OpenaiKey => "openai_key",
            Builtin::GoogleApiKey => "google_api_key",
            Builtin::PrivateKey => "private_key",
            Builtin::Jwt => "jwt",
            Builtin::Ipv4 => "ipv4",
            Builtin::Ipv6 => "ipv6",
            Builtin::Iban => "iban",
            Builtin::GenericSecret => "generic_secret",
            Builtin::DlpjetApiKey => "dlpjet_api_key",
            Builtin::AnthropicKey => "anthropic_key",
            Builtin::GroqKey => "groq_key",
            Builtin::HuggingfaceToken => "huggingface_token",
            Builtin::XaiKey => "xai_key",
            Builtin::SendgridKey => "sendgrid_key",
            Builtin::NpmToken => "npm_token",
            Builtin::PypiToken => "pypi_token",
            Builtin::AzureStorageKey => "azure_storage_key",
            Builtin::UsItin => "us_itin",
        }
    }

    /// Looks a built-in up by its id.
    pub fn from_id(id: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.id() == id)
    }

    /// One line saying what the detector finds.
    pub fn description(self) -> &'static str {
        match self {
            Builtin::CreditCard => "payment card numbers of the major networks, 13-19 digits, contiguous or grouped",
            Builtin::UsSsn => {
                "US Social Security numbers (AAA-GG-SSSS; bare or dotted 9 digits only beside a context word)"
            }
            Builtin::Email => "e-mail addresses with a dotted domain",
            Builtin::Phone => "US/NANP phone numbers and E.164 international numbers",
            Builtin::AwsAccessKeyId => "AWS access key ids (AKIA, ASIA, … and 16 base32 characters)",
            Builtin::AwsSecretAccessKey => "40-character AWS secret keys beside an AWS key name or access key id",
            Builtin::GithubToken => "GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)",
            Builtin::SlackToken => "Slack tokens (xoxb-, xoxp-, xapp-, …) and incoming-webhook URLs",
            Builtin::StripeKey => "Stripe live secret (sk_live_) and restricted (rk_live_) keys",
            Builtin::OpenaiKey => "OpenAI API keys (sk-proj-, sk-svcacct-, sk-admin-, legacy sk-)",
            Builtin::GoogleApiKey => "Google API keys (AIza and 35 characters)",
            Builtin::PrivateKey => "PEM and OpenSSH private key blocks, BEGIN to END",
            Builtin::Jwt => "JSON Web Tokens whose header decodes to JSON with an alg",
            Builtin::Ipv4 => "IPv4 addresses",
            Builtin::Ipv6 => "IPv6 addresses, full or compressed",
            Builtin::Iban => "International Bank Account Numbers of every registered country",
            Builtin::GenericSecret => "high-entropy values assigned to password, secret, token or key names",
            Builtin::DlpjetApiKey => "dlpjet's own API keys (dlpjet_live_…)",
            Builtin::AnthropicKey => "Anthropic API and admin keys (sk-ant-api03-, sk-ant-admin01-)",
            Builtin::GroqKey => "Groq API keys (gsk_ and 52 characters)",
            Builtin::HuggingfaceToken => "Hugging Face access (hf_) and organisation (api_org_) tokens",
            Builtin::XaiKey => "xAI API keys (xai- and 70-120 characters)",
            Builtin::UsItin => "US taxpayer ids (ITIN: 9XX-GG-SSSS, group 50-65, 70-88, 90-92, 94-99)",
            Builtin::SendgridKey => "SendGrid API keys (SG. and two dot-separated parts of 22 and 43)",
            Builtin::NpmToken => "npm access tokens (npm_ and 36 letters and digits)",
            Builtin::PypiToken => "PyPI API tokens (pypi- and a pypi.org or test.pypi.org macaroon)",
            Builtin::AzureStorageKey => "Azure storage account keys (AccountKey= and 88 base64 characters)",
        }
    }

    /// The validation that decides a shaped candidate.
    pub fn validation(self) -> &'static str {
        match self {
            Builtin::CreditCard => "issuer prefix and length, Luhn checksum",
            Builtin::UsSsn => "area not 000/666/900-999, group not 00, serial not 0000",
            Builtin::Email => "dotted domain with an alphabetic top-level domain",
            Builtin::Phone => "NANP area/exchange rules or E.164 length",
            Builtin::AwsAccessKeyId => "known prefix, base32 alphabet, exact length",
            Builtin::AwsSecretAccessKey => "AWS context, 40 base64 characters of mixed case and digits",
            Builtin::GithubToken | Builtin::SlackToken | Builtin::StripeKey | Builtin::GoogleApiKey => {
                "vendor prefix, alphabet and length"
            }
            Builtin::OpenaiKey => "prefix, length and the T3BlbkFJ marker",
            Builtin::PrivateKey => "PRIVATE KEY label and matching END line",
            Builtin::Jwt => "base64url header decoding to JSON with \"alg\"",
            Builtin::Ipv4 => "four octets 0-255, no leading zeros",
            Builtin::Ipv6 => "RFC 4291 text form",
            Builtin::Iban => "country length and ISO 7064 mod-97",
            Builtin::GenericSecret => "entropy, not a placeholder or code reference",
            Builtin::DlpjetApiKey => "format and CRC-32 checksum",
            Builtin::AnthropicKey => "prefix, 93 characters and the AA suffix",
            Builtin::UsItin => "area 900-999 and the IRS's group ranges",
            Builtin::GroqKey | Builtin::HuggingfaceToken | Builtin::XaiKey => "vendor prefix, alphabet and length",
            Builtin::SendgridKey => "prefix, two parts of exact length",
            Builtin::NpmToken => "vendor prefix, alphabet and length",
            Builtin::PypiToken => "macaroon prefix for pypi.org or test.pypi.org, alphabet and length",
            Builtin::AzureStorageKey => "connection-string key name, 86 base64 characters and == padding",
        }
    }

    /// A made-up example value that the detector finds.
    pub fn example(self) -> &'static str {
        match self {
            Builtin::CreditCard => "4111 1111 1111 1111",
            Builtin::UsSsn => "123-45-6789",
            Builtin::Email => "jane.doe+news@mail.example.com",
            Builtin::Phone => "+1 (212) 555-0147",
            Builtin::AwsAccessKeyId => "AKIAERUWYPB5TD57UJZT",
            Builtin::AwsSecretAccessKey => "aws_secret_access_key = ZNN+2KEsRIYrp/WhAeBuoO+L+lR7gg4gwiM2Stvp",
            Builtin::GithubToken => "ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R",
            Builtin::SlackToken => "xoxb-7151020192-0773263695712-AbCdEfGhIjKlMnOpQrStUvWx",
            Builtin::StripeKey => "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            Builtin::OpenaiKey => "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",
            Builtin::GoogleApiKey => "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
            Builtin::PrivateKey => "-----BEGIN RSA PRIVATE KEY----- … -----END RSA PRIVATE KEY-----",
            Builtin::Jwt => "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXZhbHVl",
            Builtin::Ipv4 => "192.168.10.24",
            Builtin::Ipv6 => "2001:db8:85a3::8a2e:370:7334",
            Builtin::Iban => "DE89 3704 0044 0532 0130 00",
            Builtin::GenericSecret => "password = \"Zq8#rT2!mW5x\"",
            Builtin::DlpjetApiKey => "dlpjet_live_Ab12Cd34Ef56_Gh78Ij90Kl12Mn34Op56Qr78St90Uv123sR5EL",
            Builtin::AnthropicKey => {
                "sk-ant-api03-Xq7Lm2Pz9Rt4Vw6Yb1Nc8Dk3Fh5Gj0Ks7Ue2Wa9Ir4Ot6Sy1Qp8Mx3Lz5Bv0Cn7Dh2Fj9Gk4Hl6Jm1Kn8Lp3Mq5Nr0Os7AA"
            }
            Builtin::GroqKey => "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",
            Builtin::HuggingfaceToken => "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",
            Builtin::UsItin => "912-70-3456",
            Builtin::XaiKey => "xai-Xq7Lm2Pz9Rt4Vw6Yb1Nc8Dk3Fh5Gj0Ks7Ue2Wa9Ir4Ot6Sy1Qp8Mx3Lz5Bv0Cn7Dh2Fj9Gk4Hl6Jm1Kn8Lp",
            Builtin::SendgridKey => "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",
            Builtin::NpmToken => "npm_4PTTKtb2TxxDBfz5LJF3hBGZW3M4Fz6Hq2AK",
            Builtin::PypiToken => {
                "pypi-AgEIcHlwaS5vcmc7EGHZbKoXi0d9TH4QgTNBEjE4o24hOSDRET79IqJzQtJZPGSEZ4zBms1racj"
            }
            Builtin::AzureStorageKey => {
                "AccountKey=P4M9DZH7Fx6mqSFDGX0FZBJQ6c1suD6ZgCSTY9GqC79l9B1UE8ePr5FxgmV2AjC6afaCLI71fNYmphNcWI9rQW=="
            }
        }
    }

    /// Specificity rank used to resolve overlapping findings: the higher rank wins.
    pub(crate) fn rank(self) -> u8 {
        match self {
            Builtin::PrivateKey => 100,
            Builtin::Jwt => 95,
            Builtin::AwsAccessKeyId
            | Builtin::GithubToken
            | Builtin::SlackToken
            | Builtin::StripeKey
            | Builtin::OpenaiKey
            | Builtin::GoogleApiKey
            | Builtin::DlpjetApiKey
            | Builtin::AnthropicKey
            | Builtin::GroqKey
            | Builtin::HuggingfaceToken
            | Builtin::XaiKey
            | Builtin::SendgridKey
            | Builtin::NpmToken
            | Builtin::PypiToken
            | Builtin::AzureStorageKey => 90,
            Builtin::AwsSecretAccessKey => 85,
            Builtin::Iban => 80,
            Builtin::CreditCard => 75,
            Builtin::UsSsn | Builtin::UsItin => 70,
            Builtin::Email => 65,
            Builtin::Phone => 60,
            Builtin::Ipv6 => 55,
            Builtin::Ipv4 => 50,
            Builtin::GenericSecret => 20,
        }
    }

    /// Index of the detector in [`Builtin::ALL`]; also its internal detector number.
    pub(crate) fn index(self) -> u16 {
        self as u16
    }
}

#[cfg(test)]
mod tests {
    use super::Builtin;

    #[test]
    fn ids_round_trip_and_index_matches_order() {
        for (i, b) in Builtin::ALL.into_iter().enumerate() {
            assert_eq!(Builtin::from_id(b.id()), Some(b));
            assert_eq!(b.index() as usize, i);
            assert!(!b.description().is_empty() && !b.validation().is_empty());
        }
        assert_eq!(Builtin::from_id("nope"), None);
    }
}
