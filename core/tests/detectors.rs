//! Table tests: for each detector, inputs that must be found (with the exact match) and
//! inputs that must not.

mod common;

use common::{check_table, found, Case};
use dlpjet::Scanner;

/// (detector, text, expected match or "" for none of that detector)
const CASES: &[Case] = &[
    // credit_card
    ("credit_card", "visa 4111111111111111 ok", "4111111111111111"),
    ("credit_card", "card: 4111 1111 1111 1111.", "4111 1111 1111 1111"),
    ("credit_card", "mc 5555-5555-5555-4444", "5555-5555-5555-4444"),
    ("credit_card", "mc2 2223003122003222", "2223003122003222"),
    ("credit_card", "amex 3782 822463 10005", "3782 822463 10005"),
    ("credit_card", "amex 378282246310005", "378282246310005"),
    ("credit_card", "discover 6011111111111117", "6011111111111117"),
    ("credit_card", "jcb 3530111333300000", "3530111333300000"),
    ("credit_card", "diners 30569309025904", "30569309025904"),
    ("credit_card", "unionpay 6200000000000005", "6200000000000005"),
    ("credit_card", "visa13 4222222222222", "4222222222222"),
    ("credit_card", "zw 4111\u{200b}1111\u{200b}1111\u{200b}1111 x", "4111\u{200b}1111\u{200b}1111\u{200b}1111"),
    ("credit_card", "fw ４１１１１１１１１１１１１１１１ x", "４１１１１１１１１１１１１１１１"),
    ("credit_card", "luhn 4111111111111112", ""),
    // Networks by their published ranges and lengths.
    ("credit_card", "jcb 15-digit 213152601815907 ok", "213152601815907"),
    ("credit_card", "jcb 1800 8301 66131 82", ""),
    ("credit_card", "maestro 6759 6091 3909 9608", "6759 6091 3909 9608"),
    ("credit_card", "maestro 6763308246281948211", "6763308246281948211"),
    ("credit_card", "mir 2201786579754323.", "2201786579754323"),
    ("credit_card", "uatp 1252 760189 55597", "1252 760189 55597"),
    ("credit_card", "uatp 125276018955598", ""),
    ("credit_card", "long 41111111111111111111111", ""),
    ("credit_card", "id ORD4111111111111111", ""),
    ("credit_card", "id x_4111111111111111_y", ""),
    ("credit_card", "dec 4111111111111111.25", ""),
    ("credit_card", "prefix 9111111111111111", ""),
    ("credit_card", "groups 4111 1111 1111 1111 2222", ""),
    ("credit_card", "amex 378282246310005 078 then", "378282246310005"),
    // us_ssn
    ("us_ssn", "ssn 123-45-6789", "123-45-6789"),
    ("us_ssn", "id 123 45 6789 end", "123 45 6789"),
    ("us_ssn", "SSN: 123456789", "123456789"),
    ("us_ssn", "social security number 078051120", "078051120"),
    ("us_ssn", "ssn 1\u{200b}23-45-6789", "1\u{200b}23-45-6789"),
    ("us_ssn", "order 123456789 shipped", ""),
    ("us_ssn", "area 000-12-3456", ""),
    ("us_ssn", "area 666-12-3456", ""),
    ("us_ssn", "area 901-12-3456", ""),
    ("us_ssn", "group 123-00-4567", ""),
    ("us_ssn", "serial 123-45-0000", ""),
    ("us_ssn", "mixed 123-45 6789", ""),
    ("us_ssn", "Suite 680 36 4022 Oakridge Lane", ""),
    ("us_ssn", "PO Box 123 45 6789", ""),
    ("us_ssn", "ssn 680 36 4022 Oakridge Lane", "680 36 4022"),
    ("us_ssn", "ssn 123456789 4111 1111 1111 1111", "123456789"),
    ("us_ssn", "at 680-36-4022 Oakridge Lane", "680-36-4022"),
    // Dotted, with its own context word (a dotted number alone may be a version or a decimal).
    ("us_ssn", "SSN 078.05.1123 on file", "078.05.1123"),
    ("us_ssn", "release 123.45.6789 is out", ""),
    ("us_ssn", "SSN: 215551337, then a total of 545055578", "215551337"),
    // ITINs (IRS: 9XX, group 50-65, 70-88, 90-92, 94-99) are not SSNs, and not dropped.
    ("us_itin", "ITIN 912-70-3456 on the W-7", "912-70-3456"),
    ("us_itin", "taxpayer id 978945678", "978945678"),
    ("us_itin", "SSN/ITIN: 900 94 1234", "900 94 1234"),
    ("us_itin", "SSN/ITIN: 900 93 1234", ""),
    ("us_itin", "order 978945678 shipped", ""),
    ("us_itin", "group 912-89-3456 is not issued", ""),
    ("us_ssn", "ITIN 912-70-3456", ""),
    // email
    ("email", "mail jane.doe+news@mail.example.co.uk.", "jane.doe+news@mail.example.co.uk"),
    ("email", "<a.b@sub.example.technology>", "a.b@sub.example.technology"),
    ("email", "root@localhost here", ""),
    ("email", "logo@2x.png", ""),
    ("email", "@decorator foo", ""),
    ("email", "npm @scope/pkg", ""),
    // phone
    ("phone", "call (212) 555-0147 now", "(212) 555-0147"),
    ("phone", "call 212-555-0147", "212-555-0147"),
    ("phone", "call 212.555.0147", "212.555.0147"),
    ("phone", "tel +1 212 555 0147", "+1 212 555 0147"),
    ("phone", "tel +1 (212) 555-0147", "+1 (212) 555-0147"),
    ("phone", "tel 1-800-555-0199", "1-800-555-0199"),
    ("phone", "tel +12125550147", "+12125550147"),
    ("phone", "uk +44 20 7946 0958", "+44 20 7946 0958"),
    ("phone", "de +4930123456", "+4930123456"),
    ("phone", "zw 212\u{200b}-555-0147", "212\u{200b}-555-0147"),
    ("phone", "tel +1 212 555 0147 \u{200b} x", "+1 212 555 0147"),
    ("phone", "tel +1 212 555 0147 2001:db8::1", "+1 212 555 0147"),
    // Eleven NANP digits break the plan; the space before the 0 ends the number.
    ("phone", "tel +1 212 555 0147 0 2001:db8::1", "+1 212 555 0147"),
    ("phone", "tel +44 20 7946 0958 1 then", "+44 20 7946 0958"),
    ("us_ssn", "tel +1 212 555 0147 078-05-1120 then", "078-05-1120"),
    ("credit_card", "card 4111 1111 1111 1111 123-45-6789 ssn", "4111 1111 1111 1111"),
    ("us_ssn", "card 4111 1111 1111 1111 123-45-6789 ssn", "123-45-6789"),
    ("credit_card", "card 4111 1111 1111 1111 078%2D05%2D1120 ssn", "4111 1111 1111 1111"),
    ("iban", "iban DE89 3704 0044 0532 0130 00 078-05-1120 ssn", "DE89 3704 0044 0532 0130 00"),
    ("us_ssn", "iban DE89 3704 0044 0532 0130 00 078-05-1120 ssn", "078-05-1120"),
    ("phone", "tel +1 212 555 0147 078-05-1120 then", "+1 212 555 0147"),
    ("phone", "de +49 30 12 34 56 78", "+49 30 12 34 56 78"),
    ("phone", "seven groups +49 30 12 34 56 78 90", ""),
    ("phone", "date 2024-01-15", ""),
    ("phone", "ver 1.2.3", ""),
    ("phone", "ts 12:30:45.123", ""),
    ("phone", "num 2125550147", ""),
    ("phone", "bad area 112-555-0147", ""),
    // aws
    ("aws_access_key_id", "id AKIAERUWYPB5TD57UJZT.", "AKIAERUWYPB5TD57UJZT"),
    ("aws_access_key_id", "id ASIAY34FZKBOKMUTVV7A", "ASIAY34FZKBOKMUTVV7A"),
    ("aws_access_key_id", "id AKIAIOSFODNN7EXAMPL", ""),
    ("aws_access_key_id", "id AKIAERUWYPB5TD57UJZTX", ""),
    ("aws_access_key_id", "id AKIAiosfodnn7example", ""),
    ("aws_secret_access_key", "aws_secret_access_key = ZNN+2KEsRIYrp/WhAeBuoO+L+lR7gg4gwiM2Stvp", "ZNN+2KEsRIYrp/WhAeBuoO+L+lR7gg4gwiM2Stvp"),
    ("aws_secret_access_key", "AKIAERUWYPB5TD57UJZT,ZNN+2KEsRIYrp/WhAeBuoO+L+lR7gg4gwiM2Stvp", "ZNN+2KEsRIYrp/WhAeBuoO+L+lR7gg4gwiM2Stvp"),
    ("aws_secret_access_key", "commit 9fceb02d0ae598e95dc970b74767f19372d61af8a", ""),
    ("aws_secret_access_key", "sha da39a3ee5e6b4b0d3255bfef95601890afd80709", ""),
    // github
    ("github_token", "ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R", "ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R"),
    ("dlpjet_api_key", "Authorization: Bearer dlpjet_live_Ab12Cd34Ef56_Gh78Ij90Kl12Mn34Op56Qr78St90Uv123sR5EL", "dlpjet_live_Ab12Cd34Ef56_Gh78Ij90Kl12Mn34Op56Qr78St90Uv123sR5EL"),
    ("dlpjet_api_key", "key=dlpjet_live_Ab12Cd34Ef56_Gh78Ij90Kl12Mn34Op56Qr78St90Uv123sR5ELx", ""),
    ("dlpjet_api_key", "Bearer dlpjet_live_Ab12Cd34Ef56_Gh78Ij90Kl12Mn34Op56Qr78St90Uv123sR5EM", ""),
    ("github_token", "t=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", "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"),
    ("github_token", "ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8", ""),
    ("github_token", "ghx_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R", ""),
    // slack
    ("slack_token", "xoxb-7151020192-0773263695712-AbCdEfGhIjKlMnOpQrStUvWx", "xoxb-7151020192-0773263695712-AbCdEfGhIjKlMnOpQrStUvWx"),
    ("slack_token", "url https://hooks.slack.com/services/T0ABCDEFG/B0ABCDEFG/AbCdEfGhIjKlMnOpQrStUvWx ok", "https://hooks.slack.com/services/T0ABCDEFG/B0ABCDEFG/AbCdEfGhIjKlMnOpQrStUvWx"),
    ("slack_token", "xoxb-123", ""),
    // Slack configuration (xoxe.xoxp-) and refresh (xoxe-) tokens, legacy bot tokens.
    ("slack_token", "SLACK_CONFIG_TOKEN=xoxe.xoxp-1-Mi0yLTE3MzU2NjU1NjAwLTE3MzU2NjU1NjAwLTE3MzU2NjU1NjAwLTY0YzE1ZTk0ZDQ1NjFmNzQ4NzJlYjU5NGJhOGRiMzBhMTc1YjRkMDVjMmUyYjk4ZjE4OWRmNDg1NjE3NjI2YjM", "xoxe.xoxp-1-Mi0yLTE3MzU2NjU1NjAwLTE3MzU2NjU1NjAwLTE3MzU2NjU1NjAwLTY0YzE1ZTk0ZDQ1NjFmNzQ4NzJlYjU5NGJhOGRiMzBhMTc1YjRkMDVjMmUyYjk4ZjE4OWRmNDg1NjE3NjI2YjM"),
    ("slack_token", "refresh xoxe-1-My0xLTE3MzU2NjU1NjAwLTE3MzU2NjU1NjAwLTM1MjI2YzhhMDFkMWE2YmZjMGYwMmMxNzRiMjUyNzJiNzZjNTQwNWE1Y2Y0ZDQwNzRlYmE1OTM2NjRkMjRlMzE ok", "xoxe-1-My0xLTE3MzU2NjU1NjAwLTE3MzU2NjU1NjAwLTM1MjI2YzhhMDFkMWE2YmZjMGYwMmMxNzRiMjUyNzJiNzZjNTQwNWE1Y2Y0ZDQwNzRlYmE1OTM2NjRkMjRlMzE"),
    ("slack_token", "bot xoxb-284716539012-Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1", "xoxb-284716539012-Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1"),
    ("slack_token", "xoxe.xoxq-1-Mi0yLTE3MzU2NjU1NjAwLTE3MzU2", ""),
    ("slack_token", "xoxb-284716539012-qwertyuiopasdfghjklz", ""),
    // stripe
    ("stripe_key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("stripe_key", "rk_live_51H8abcdEFGHijklMNOPqrst", "rk_live_51H8abcdEFGHijklMNOPqrst"),
    ("stripe_key", "pk_live_4eC39HqLyjWDarjtT1zdp7dc", ""),
    ("stripe_key", "sk_live_4eC39", ""),
    // openai
    ("openai_key", "k 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 x", "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"),
    ("openai_key", "sk-proj-o4iexaz1NHmFEXE9wnHSPIKRKmnM5Uq6y0DIGl0Uf3MfdkHT3BlbkFJSgPdBAKfnDK07o1WQSoJ25vmplwtt2hER2rrUW3HHVol", "sk-proj-o4iexaz1NHmFEXE9wnHSPIKRKmnM5Uq6y0DIGl0Uf3MfdkHT3BlbkFJSgPdBAKfnDK07o1WQSoJ25vmplwtt2hER2rrUW3HHVol"),
    ("openai_key", "sk-abcdefghij0123456789abcdefghijabcdefghij0123456789", ""),
    ("openai_key", "sk-ant-api03-abcdefghij0123456789", ""),
    // AI provider keys, by the vendors' published formats (the gateway's own upstream keys)
    ("anthropic_key", "ANTHROPIC_API_KEY=sk-ant-api03-Xq7Lm2Pz9Rt4Vw6Yb1Nc8Dk3Fh5Gj0Ks7Ue2Wa9Ir4Ot6Sy1Qp8Mx3Lz5Bv0Cn7Dh2Fj9Gk4Hl6Jm1Kn8Lp3Mq5Nr0Os7AA\n", "sk-ant-api03-Xq7Lm2Pz9Rt4Vw6Yb1Nc8Dk3Fh5Gj0Ks7Ue2Wa9Ir4Ot6Sy1Qp8Mx3Lz5Bv0Cn7Dh2Fj9Gk4Hl6Jm1Kn8Lp3Mq5Nr0Os7AA"),
    ("anthropic_key", "x-api-key: sk-ant-admin01-_-7Lm2Pz9Rt4Vw6Yb1Nc8Dk3Fh5Gj0Ks7Ue2Wa9Ir4Ot6Sy1Qp8Mx3Lz5Bv0Cn7Dh2Fj9Gk4Hl6Jm1Kn8Lp3M-5Nr0Os7AA", "sk-ant-admin01-_-7Lm2Pz9Rt4Vw6Yb1Nc8Dk3Fh5Gj0Ks7Ue2Wa9Ir4Ot6Sy1Qp8Mx3Lz5Bv0Cn7Dh2Fj9Gk4Hl6Jm1Kn8Lp3M-5Nr0Os7AA"),
    ("anthropic_key", "sk-ant-api03-Xq7Lm2Pz9Rt4Vw6Yb1Nc8Dk3Fh5Gj0Ks7Ue2Wa9Ir4Ot6Sy1Qp8Mx3Lz5Bv0Cn7Dh2Fj9Gk4Hl6Jm1Kn8Lp3Mq5Nr0Os7AB", ""),
    ("anthropic_key", "sk-ant-api03-Xq7Lm2Pz9Rt4Vw6Yb1Nc8Dk3Fh5Gj0Ks7Ue2Wa9Ir4Ot6Sy1Qp8Mx3Lz5Bv0Cn7Dh2Fj9Gk4Hl6Jm1Kn8Lp3Mq5Nr0Os7AAx", ""),
    ("anthropic_key", "sk-ant-api03-Xq7Lm2Pz9Rt4Vw6Yb1Nc8Dk3Fh5Gj0Ks7Ue2Wa9Ir4Ot6Sy1Qp8Mx3Lz5Bv0Cn7Dh2Fj9Gk4Hl6Jm1Kn8Lp3Mq5Nr0AA", ""),
    ("openai_key", "sk-ant-api03-Xq7Lm2Pz9Rt4Vw6Yb1Nc8Dk3Fh5Gj0Ks7Ue2Wa9Ir4Ot6Sy1Qp8Mx3Lz5Bv0Cn7Dh2Fj9Gk4Hl6Jm1Kn8Lp3Mq5Nr0Os7AA", ""),
    ("groq_key", "GROQ_API_KEY=\"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\"", "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"),
    ("groq_key", "gsk_Rt4Vw6Yb1Nc8Dk3Fh5Gj0Ks7Ue2Wa9Ir4Ot6Sy1Qp8Mx3Lz5Bv0", ""),
    ("groq_key", "gsk_Rt4Vw6Yb1Nc8Dk3Fh5Gj0Ks7Ue2Wa9Ir4Ot6Sy1Qp8Mx3Lz5Bv0CZ", ""),
    ("huggingface_token", "token: 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 ok", "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"),
    ("huggingface_token", "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", "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"),
    ("huggingface_token", "hf_XqLmPzRtVwYbNcDkFhGjKsUeWaIrOtSyQ9", ""),
    ("huggingface_token", "my_hf_XqLmPzRtVwYbNcDkFhGjKsUeWaIrOtSyQp", ""),
    ("huggingface_token", "hf_model_name", ""),
    ("xai_key", "XAI_API_KEY=xai-Xq7Lm2Pz9Rt4Vw6Yb1Nc8Dk3Fh5Gj0Ks7Ue2Wa9Ir4Ot6Sy1Qp8Mx3Lz5Bv0Cn7Dh2Fj9Gk4Hl6Jm1Kn8Lp", "xai-Xq7Lm2Pz9Rt4Vw6Yb1Nc8Dk3Fh5Gj0Ks7Ue2Wa9Ir4Ot6Sy1Qp8Mx3Lz5Bv0Cn7Dh2Fj9Gk4Hl6Jm1Kn8Lp"),
    ("xai_key", "xai-grok-is-a-model-name", ""),
    ("xai_key", "xai-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ""),
    // Documented examples and filler are not reported (explain names the rule).
    ("aws_access_key_id", "id AKIAIOSFODNN7EXAMPLE.", ""),
    ("aws_access_key_id", "id AKIAXXXXXXXXXXXXXXXX", ""),
    ("aws_secret_access_key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
    ("github_token", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", ""),
    ("github_token", "github_pat_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", ""),
    ("google_api_key", "key=AIzaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ""),
    ("openai_key", "k sk-abcdefghij0123456789T3BlbkFJabcdefghij0123456789 x", ""),
    ("generic_secret", "api_key = \"abcdefghijklmnopqrstuvwxyz1234567\"", ""),
    // google
    ("google_api_key", "key=AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q&x", "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"),
    ("google_api_key", "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6", ""),
    // private_key
    ("private_key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7V\nabc+/=\n-----END RSA PRIVATE KEY-----\n", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7V\nabc+/=\n-----END RSA PRIVATE KEY-----"),
    ("private_key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----"),
    ("private_key", "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\n-----END PUBLIC KEY-----", ""),
    ("private_key", "\"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\"", "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----"),
    // Blocks whose body is not key material: placeholders in docs and examples.
    ("private_key", "-----BEGIN RSA PRIVATE KEY-----\nanything\n-----END RSA PRIVATE KEY-----", ""),
    ("private_key", "-----BEGIN PRIVATE KEY-----\n***\n-----END PRIVATE KEY-----", ""),
    ("private_key", "-----BEGIN OPENSSH PRIVATE KEY-----\n...\n-----END OPENSSH PRIVATE KEY-----", ""),
    ("private_key", "-----BEGIN EC PRIVATE KEY-----\n-----END EC PRIVATE KEY-----", ""),
    ("private_key", "-----BEGIN EC PRIVATE KEY-----\n<your key here>\n-----END EC PRIVATE KEY-----", ""),
    ("private_key", "-----BEGIN CERTIFICATE-----\nMIIBIjANBgkq\n-----END CERTIFICATE-----", ""),
    // jwt
    ("jwt", "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
    ("jwt", "eyJmb28iOiJiYXIifQ.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijk", ""),
    ("jwt", "some.dotted.words", ""),
    // phone: a bare NANP number beside its own phone word; extensions are part of the number
    ("phone", "phone 2125550147", "2125550147"),
    ("phone", "call me at 2125550147 today", "2125550147"),
    ("phone", "order 2125550147 shipped", ""),
    ("phone", "order number 2125550147", ""),
    ("phone", "phone: 5551234 then 2125550147", ""),
    ("phone", "ts 1733472000 phone", ""),
    ("phone", "+44 20 7946 0958 ext. 12 please", "+44 20 7946 0958 ext. 12"),
    ("phone", "+1 212-555-0147 x62406", "+1 212-555-0147 x62406"),
    ("phone", "+1 212-555-0147 xylophone", "+1 212-555-0147"),
    // ipv4
    ("ipv4", "host 192.168.10.24:8080", "192.168.10.24"),
    ("ipv4", "url http://10.0.0.1/x", "10.0.0.1"),
    ("ipv4", "ver 1.2.3", ""),
    ("ipv4", "version 1.2.3.4", ""),
    ("ipv4", "bad 256.1.1.1", ""),
    ("ipv4", "lead 01.2.3.4", ""),
    ("ipv4", "five 1.2.3.4.5", ""),
    ("ipv4", "route 10.0.0.0/8 via gw", "10.0.0.0/8"),
    ("ipv4", "allow 192.168.10.0/24, deny", "192.168.10.0/24"),
    ("ipv4", "bad prefix 10.0.0.0/33 x", ""),
    ("ipv4", "ratio 10.0.0.0/8080", ""),
    ("ipv6", "mapped 2001:db8::192.168.1.1 ok", "2001:db8::192.168.1.1"),
    // ipv6
    ("ipv6", "addr 2001:db8:85a3::8a2e:370:7334 up", "2001:db8:85a3::8a2e:370:7334"),
    ("ipv6", "url http://[fe80::1ff:fe23:4567:890a]:80/", "fe80::1ff:fe23:4567:890a"),
    ("ipv6", "full 2001:0db8:0000:0000:0000:ff00:0042:8329.", "2001:0db8:0000:0000:0000:ff00:0042:8329"),
    ("ipv6", "lo ::1", "::1"),
    ("ipv6", "time 12:30:45", ""),
    ("ipv6", "mac 00:1a:2b:3c:4d:5e", ""),
    ("ipv6", "rust std::vec::Vec", ""),
    ("ipv6", "json {\"a\": 1}", ""),
    // iban
    ("iban", "iban DE89 3704 0044 0532 0130 00 ok", "DE89 3704 0044 0532 0130 00"),
    ("iban", "iban DE89370400440532013000", "DE89370400440532013000"),
    ("iban", "GB82 WEST 1234 5698 7654 32", "GB82 WEST 1234 5698 7654 32"),
    ("iban", "NL91ABNA0417164300", "NL91ABNA0417164300"),
    ("iban", "iban DE89370400440532013001", ""),
    ("iban", "iban XX89370400440532013000", ""),
    // Written as people write them: lowercase, dashes, dots, the bank's own grouping.
    ("iban", "iban gb82west12345698765432 x", "gb82west12345698765432"),
    ("iban", "IBAN ES15-0049-1806-9121-1186-9374.", "ES15-0049-1806-9121-1186-9374"),
    ("iban", "IBAN ES 58 0049 0290 3424 1352 8341", "ES 58 0049 0290 3424 1352 8341"),
    ("iban", "konto NO 44 1850.05.14562", "NO 44 1850.05.14562"),
    ("iban", "account no 44 1850 05 14562", "no 44 1850 05 14562"),
    ("iban", "no 44 1850 05 14562 reasons", ""),
    ("iban", "IBAN ES 58 0049 0290 3424 1352 8342", ""),
    ("iban", "Gb82WEST12345698765432", ""),
    // The check digits pass but the BBAN breaks the registry's structure: a British bank code
    // is four letters, a German BBAN eighteen digits.
    ("iban", "IBAN GB25123412345698765432 ok", ""),
    ("iban", "IBAN DE0537040044053201300A ok", ""),
    // generic_secret
    ("generic_secret", "password = \"S3cure!Pass#2024\"", "S3cure!Pass#2024"),
    ("generic_secret", "DB_PASSWORD=x9Kq2mLp7Rv4Tz", "x9Kq2mLp7Rv4Tz"),
    ("generic_secret", "{\"api_key\": \"q8Zr2LmX0vTn5Ke7\"}", "q8Zr2LmX0vTn5Ke7"),
    ("generic_secret", "client_secret: 7fH2kLq9Xz3Vb8Nm1Rt6", "7fH2kLq9Xz3Vb8Nm1Rt6"),
    ("generic_secret", "password = \"changeme\"", ""),
    // phone: E.164 `+1` whose exchange breaks the NANP rules is still a phone by its shape;
    // a trunk `(0)` after the country code.
    ("phone", "new number +1-984-182-0190 ok", "+1-984-182-0190"),
    ("phone", "bad area +1-184-182-0190 ok", ""),
    ("phone", "no plus 1-984-182-0190 ok", ""),
    ("phone", "Berlin +49 (0)30 1234567.", "+49 (0)30 1234567"),
    ("phone", "London +44 (0)20 7946 0958", "+44 (0)20 7946 0958"),
    ("phone", "not a trunk +49 (1)30 1234567", ""),
    // International numbers fit their country's numbering plan: calling code, length and
    // leading digits (libphonenumber's metadata), not the shape alone.
    ("phone", "Paris +33 1 23 45 67 89 ok", "+33 1 23 45 67 89"),
    ("phone", "Tokyo +81 3-1234-5678 ok", "+81 3-1234-5678"),
    ("phone", "mobile +86 138 1234 5678 ok", "+86 138 1234 5678"),
    ("phone", "mobile +91 98765 43210 ok", "+91 98765 43210"),
    ("phone", "short for London +44 20 1234 567 ok", ""),
    ("phone", "Paris has nine +33 1 23 45 67 8 ok", ""),
    ("phone", "no such country +285 123 456 789 ok", ""),
    ("phone", "trunk digit kept +44 020 7946 0958 ok", ""),
    // sendgrid_key (SG. + 22 + . + 43)
    ("sendgrid_key", "SENDGRID_API_KEY=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", "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"),
    ("sendgrid_key", "key \"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\";", "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"),
    ("sendgrid_key", "short SG.zA3hq9fv2F0zdCsqB9XUFd.dLpfa7OO23zhGzX2thmjqfg0BVlPn0f16jfTmEkrJS x", ""),
    ("sendgrid_key", "long SG.zA3hq9fv2F0zdCsqB9XUFd.dLpfa7OO23zhGzX2thmjqfg0BVlPn0f16jfTmEkrJS3Q x", ""),
    ("sendgrid_key", "SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", ""),
    ("sendgrid_key", "MSG.zA3hq9fv2F0zdCsqB9XUFd.dLpfa7OO23zhGzX2thmjqfg0BVlPn0f16jfTmEkrJS3", ""),
    // npm_token (npm_ + 36)
    ("npm_token", "//registry.npmjs.org/:_authToken=npm_wHEMyTc9cjKaHh9N80SEcLl0NcSbZBdsBkes", "npm_wHEMyTc9cjKaHh9N80SEcLl0NcSbZBdsBkes"),
    ("npm_token", "token npm_wHEMyTc9cjKaHh9N80SEcLl0NcSbZBdsBke x", ""),
    ("npm_token", "token npm_wHEMyTc9cjKaHh9N80SEcLl0NcSbZBdsBkes7 x", ""),
    ("npm_token", "npm_install_dependencies_from_the_lockfile", ""),
    // pypi_token (pypi- + macaroon for pypi.org / test.pypi.org)
    ("pypi_token", "password = pypi-AgEIcHlwaS5vcmcvmiec2cJ_PYdmoA4ENDsXZOkitfdsYFPizJP38B-EamncBBmsrevvhgX_o1ARvDhbMH1y4-PGJL8gHZhgNxLDCG1dOA7LmbmahjrWkTp9Y-y1GHm_iV7CIsnMCSr-g7n59MC449AukJjDyenIF6pwT", "pypi-AgEIcHlwaS5vcmcvmiec2cJ_PYdmoA4ENDsXZOkitfdsYFPizJP38B-EamncBBmsrevvhgX_o1ARvDhbMH1y4-PGJL8gHZhgNxLDCG1dOA7LmbmahjrWkTp9Y-y1GHm_iV7CIsnMCSr-g7n59MC449AukJjDyenIF6pwT"),
    ("pypi_token", "TWINE_PASSWORD=pypi-AgENdGVzdC5weXBpLm9yZw042zJBmqYM_i5eMsU-UTcR1dbUuSUErhT0ksbD8-usnWYGgN1L-YAh5JuFttVdT-nuUTQX_JK2O1-KNJXJ8_TKhTZHxEB9zikUty9Rh-GEM2veWzfhRRyUX0", "pypi-AgENdGVzdC5weXBpLm9yZw042zJBmqYM_i5eMsU-UTcR1dbUuSUErhT0ksbD8-usnWYGgN1L-YAh5JuFttVdT-nuUTQX_JK2O1-KNJXJ8_TKhTZHxEB9zikUty9Rh-GEM2veWzfhRRyUX0"),
    ("pypi_token", "pypi-AgEIcHlwaS5vcmcshort", ""),
    ("pypi_token", "pypi-AgEZZZZZZZZNwI8awduEBCtinXhPq4XELKxpPaiidMRNGexLBHPHiiPLjR7LrVNtNXfRj87vG2Q3z7mv2m4l3v6iYyE", ""),
    // azure_storage_key (AccountKey= + 86 base64 + ==)
    ("azure_storage_key", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=LgkkPTj7aIdHpG7UM4M4QMHuNI/bSniVhlfWE/h1j0CD+L8nKvlcndLstRMcBwgM4CzzKxjpo1ah2SxHLbYKs2==;EndpointSuffix=core.windows.net", "LgkkPTj7aIdHpG7UM4M4QMHuNI/bSniVhlfWE/h1j0CD+L8nKvlcndLstRMcBwgM4CzzKxjpo1ah2SxHLbYKs2=="),
    ("azure_storage_key", "AccountKey=LgkkPTj7aIdHpG7UM4M4QMHuNI/bSniVhlfWE/h1j0CD+L8nKvlcndLstRMcBwgM4CzzKxjpo1ah2SxHLbYKs==;", ""),
    ("azure_storage_key", "AccountKey=LgkkPTj7aIdHpG7UM4M4QMHuNI/bSniVhlfWE/h1j0CD+L8nKvlcndLstRMcBwgM4CzzKxjpo1ah2SxHLbYKs2;", ""),
    ("generic_secret", "password=${DB_PASSWORD}", ""),
    ("generic_secret", "api_key: <token>", ""),
    ("generic_secret", "secret = \"xxxxxxxxxxxx\"", ""),
    ("generic_secret", "token = get_token(user)", ""),
    ("generic_secret", "password = os.environ.password_value", ""),
    ("generic_secret", "if password == other_password_value:", ""),
    ("generic_secret", "\"max_tokens\": 1024", ""),
];

#[test]
fn detector_table() {
    check_table(&Scanner::new(), CASES);
}

/// Each bare value in a list finds its own label, the nearest one, not the first of the list
/// (the second used to be dropped: the context search took the leftmost word, and the first
/// value stood between).
#[test]
fn labelled_values_in_a_list_each_find_their_own_label() {
    let scanner = Scanner::new();
    for (text, want) in [
        ("SSN: 215551337, SSN: 545055578", vec!["215551337", "545055578"]),
        ("SSN 215551337; SSN 545055578; SSN 078051120", vec!["215551337", "545055578", "078051120"]),
        ("ITIN: 978945678, ITIN: 912701234", vec!["978945678", "912701234"]),
    ] {
        let got: Vec<String> = found(&scanner, text).into_iter().map(|(_, v)| v).collect();
        assert_eq!(got, want, "{text}");
    }
}

/// The same number in several formats on one line: one finding per occurrence (the
/// contiguous one used to be read together with the next group and dropped).
#[test]
fn one_number_in_several_formats_on_a_line() {
    let scanner = Scanner::new();
    let text = "4012888888881881 4012-8888-8888-1881 4012 8888 8888 1881";
    let got: Vec<String> = found(&scanner, text).into_iter().map(|(_, v)| v).collect();
    assert_eq!(got, ["4012888888881881", "4012-8888-8888-1881", "4012 8888 8888 1881"]);
    let text = "cards: 4012888888881881 5555555555554444 378282246310005";
    let got: Vec<String> = found(&scanner, text).into_iter().map(|(_, v)| v).collect();
    assert_eq!(got, ["4012888888881881", "5555555555554444", "378282246310005"]);
}

/// Each dropped example says by which rule, and a scanner can report a detector's examples.
#[test]
fn examples_are_explained_and_can_be_reported() {
    use dlpjet::{Outcome, Rejection};
    let text = b"key AKIAIOSFODNN7EXAMPLE and ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    let why: Vec<_> = Scanner::new()
        .explain(text)
        .into_iter()
        .filter_map(|e| match e.outcome {
            Outcome::Rejected(Rejection::Example(rule)) => Some((e.detector.to_string(), rule)),
            _ => None,
        })
        .collect();
    assert_eq!(
        why,
        [("aws_access_key_id".to_string(), "published example"), ("github_token".to_string(), "repeated character")]
    );
    let reporting = Scanner::builder().report_examples(["aws_access_key_id"]).build().unwrap();
    assert_eq!(
        found(&reporting, "key AKIAIOSFODNN7EXAMPLE"),
        [("aws_access_key_id".into(), "AKIAIOSFODNN7EXAMPLE".into())]
    );
    assert!(Scanner::builder().report_examples(["nope"]).build().is_err());
}

#[test]
fn every_builtin_has_a_positive_case() {
    for b in dlpjet::Builtin::ALL {
        assert!(CASES.iter().any(|(d, _, w)| *d == b.id() && !w.is_empty()), "{}", b.id());
        assert!(CASES.iter().any(|(d, _, w)| *d == b.id() && w.is_empty()), "{}", b.id());
    }
}

#[test]
fn catalogue_examples_are_found() {
    let scanner = Scanner::new();
    for b in dlpjet::Builtin::ALL {
        if b == dlpjet::Builtin::PrivateKey {
            continue; // the example elides the body
        }
        let got = found(&scanner, b.example());
        assert!(got.iter().any(|(d, _)| d == b.id()), "{}: {:?} -> {got:?}", b.id(), b.example());
    }
}
