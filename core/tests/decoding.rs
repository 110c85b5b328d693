//! Conformance of the decoding lanes: values hidden by percent-encoding (RFC 3986, 2.1), JSON
//! and JavaScript escapes (RFC 8259, 7; ECMA-262 string escapes), HTML character references
//! (numeric and named, WHATWG HTML 13.5), quoted-printable (RFC 2045, 6.7), full-width
//! compatibility forms (Unicode NFKC) and base64 (RFC 4648, 4 and 5) are found, reported with
//! the span of the encoded bytes, redacted there, and found alike in any chunking.

mod common;

use common::{check_table, found, Case};
use dlpjet::{Outcome, Redactor, Scanner};

/// (detector, text, the encoded bytes it must report; "" for nothing of that detector)
const CASES: &[Case] = &[
    // Percent-encoding: query strings, form bodies, paths.
    ("email", "GET /u?mail=jane.doe%40example.org&x=1", "jane.doe%40example.org"),
    ("email", "to=jane%2Edoe%40example%2Eorg", "jane%2Edoe%40example%2Eorg"),
    ("us_ssn", "/api?ssn=078%2D05%2D1121", "078%2D05%2D1121"),
    ("phone", "callback=%2B1%20212%20555%200147&ok", "%2B1%20212%20555%200147"),
    ("credit_card", "pan=4111%201111%201111%201111&exp=12", "4111%201111%201111%201111"),
    ("email", "double %2540 is not one level: jane%2540example.org", ""),
    // JSON and JavaScript escapes, nested JSON strings.
    ("email", r#"{"to": "jane\u0040example.org"}"#, r"jane\u0040example.org"),
    ("email", r#"{"body": "{\"to\": \"jane\\u0040example.org\"}"}"#, r"jane\\u0040example.org"),
    ("us_ssn", r#"{"ssn": "\u0030\u0037\u0038-05-1121"}"#, r"\u0030\u0037\u0038-05-1121"),
    (
        "us_ssn",
        r#"{"note": "SSN \u0032\u0031\u0035\u0035\u0035\u0031\u0033\u0033\u0037"}"#,
        r"\u0032\u0031\u0035\u0035\u0035\u0031\u0033\u0033\u0037",
    ),
    ("email", r"var to = 'jane\x40example.org';", r"jane\x40example.org"),
    ("aws_access_key_id", r#"{"k": "\u0041KIAQ4XN7HZ2LBPVKD6R"}"#, r"\u0041KIAQ4XN7HZ2LBPVKD6R"),
    // HTML character references.
    ("email", "<p>jane&#64;example.org</p>", "jane&#64;example.org"),
    ("email", "<p>jane&#x40;example.org</p>", "jane&#x40;example.org"),
    ("email", "<a>jane&commat;example&period;org</a>", "jane&commat;example&period;org"),
    ("credit_card", "card 4111&nbsp;1111&nbsp;1111&nbsp;1111 ok", "4111&nbsp;1111&nbsp;1111&nbsp;1111"),
    ("us_ssn", "ssn 078&#45;05&#45;1121", "078&#45;05&#45;1121"),
    // Quoted-printable, where the text reads as quoted-printable.
    ("email", "Caf=C3=A9 menu, write to jane=40example.org", "jane=40example.org"),
    // Soft line breaks end lines that encoders filled (76 characters).
    (
        "credit_card",
        "Thank you for your order. The card we charged is 4111 1111 11=\n11 1111 as agreed",
        "4111 1111 11=\n11 1111",
    ),
    (
        "credit_card",
        "Thank you for your order. The card we charged is 4111 1111 11=\r\n11 1111 as agreed",
        "4111 1111 11=\r\n11 1111",
    ),
    ("email", "user=40example.org", ""),
    ("email", "password=\nx@y.io", "x@y.io"),
    // A `key=` ending a long line reads as a soft break and as a line break: the value after it
    // is found either way (the shorter line a redaction leaves reads only as a line break).
    (
        "us_ssn",
        "4111 1111 1111 1111 x@y.io 2001:db8::8a2e:370:7334; 4111 1111 1111 1111; password=\n078%2D05%2D1120 ",
        "078%2D05%2D1120",
    ),
    // A `key=` ending a line shorter than a filled quoted-printable line is no soft break,
    // whatever else the window holds (found as a redaction that was not idempotent).
    ("email", "****************UJZT; aws_secret_access_key=\nx@y.io", "x@y.io"),
    // Full-width and other compatibility forms of `@` and `.`.
    ("email", "mail jane＠example.org", "jane＠example.org"),
    ("email", "mail ｊａｎｅ＠ｅｘａｍｐｌｅ．ｏｒｇ now", "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｏｒｇ"),
    ("email", "mail jane﹫example.org", "jane﹫example.org"),
    // Base64 blocks that decode to text.
    ("email", "payload amFuZS5kb2VAZXhhbXBsZS5vcmc= end", "amFuZS5kb2VAZXhhbXBsZS5vcmc"),
    // A value is reported with the four-character groups it was decoded from.
    ("us_ssn", "blob: U1NOOiAwNzgtMDUtMTEyMQ==", "OiAwNzgtMDUtMTEyMQ"),
    ("credit_card", "Y2FyZCA0MTExIDExMTEgMTExMSAxMTEx", "ZCA0MTExIDExMTEgMTExMSAxMTEx"),
    ("aws_access_key_id", "data:text/plain;base64,a2V5PUFLSUFRNFhON0haMkxCUFZLRDZS", "PUFLSUFRNFhON0haMkxCUFZLRDZS"),
    ("email", "url-safe amFuZS5kb2VAZXhhbXBsZS5vcmc_Pz8_", "amFuZS5kb2VAZXhhbXBsZS5vcmc_"),
    // Near misses: text that only looks encoded.
    ("email", "100% of 40 users at example.org", ""),
    ("us_ssn", "a=078&b=05&c=1121", ""),
    ("email", "Tom &amp; Jerry &lt;b&gt; at example.org", ""),
    ("credit_card", "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", ""),
    ("credit_card", "key MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7", ""),
];

#[test]
fn encoded_values_are_found_with_their_encoded_span() {
    check_table(&Scanner::new(), CASES);
}

#[test]
fn every_case_is_found_alike_in_any_split() {
    let scanner = Scanner::new();
    for &(_, text, _) in CASES {
        let data = text.as_bytes();
        let whole = scanner.scan(data);
        for cut in 0..=data.len() {
            let mut s = scanner.stream();
            let mut got = s.push(&data[..cut]);
            got.extend(s.push(&data[cut..]));
            got.extend(s.finish());
            assert_eq!(got, whole, "{text:?} split at {cut}");
        }
        let mut s = scanner.stream();
        let mut got = Vec::new();
        for b in data.chunks(1) {
            got.extend(s.push(b));
        }
        got.extend(s.finish());
        assert_eq!(got, whole, "{text:?} byte by byte");
    }
}

#[test]
fn redaction_replaces_the_encoded_bytes() {
    let r = Redactor::builder(Scanner::new()).build().unwrap();
    assert_eq!(r.redact_str("GET /u?mail=jane.doe%40example.org&x=1"), "GET /u?mail=[EMAIL]&x=1");
    assert_eq!(r.redact_str(r#"{"to": "jane\u0040example.org"}"#), r#"{"to": "[EMAIL]"}"#);
    assert_eq!(r.redact_str("payload amFuZS5kb2VAZXhhbXBsZS5vcmc= end"), "payload [EMAIL]= end");
    // A streamed redaction waits for the escapes and writes the same.
    let mut w = r.writer(Vec::new());
    for b in b"<p>jane&#64;example.org</p>".chunks(3) {
        std::io::Write::write_all(&mut w, b).unwrap();
    }
    assert_eq!(w.finish().unwrap(), b"<p>[EMAIL]</p>");
}

#[test]
fn depth_and_switch() {
    let nested = "jane%2540example.org";
    assert!(found(&Scanner::new(), nested).is_empty());
    let deep = Scanner::builder().decode_depth(2).build().unwrap();
    assert_eq!(found(&deep, nested), [("email".to_string(), nested.to_string())]);
    // base64 of "mail=jane%40example.org": two encodings, two levels.
    let b64 = "bWFpbD1qYW5lJTQwZXhhbXBsZS5vcmc=";
    assert!(found(&Scanner::new(), b64).is_empty());
    assert_eq!(found(&deep, b64).len(), 1);
    let off = Scanner::builder().decode_depth(0).build().unwrap();
    assert!(found(&off, "jane%40example.org").is_empty());
    assert!(Scanner::builder().decode_depth(9).build().is_err());
    assert!(Scanner::builder().decode_block(8).build().is_err());
}

#[test]
fn base64_is_decoded_in_blocks_of_the_size_cap() {
    // 40 characters of filler, then the address: with 40-character blocks it is in the second.
    let text = format!("{}{}", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk", "amFuZS5kb2VAZXhhbXBsZS5vcmc=");
    let small = Scanner::builder().decode_block(40).build().unwrap();
    let got = found(&small, &text);
    assert_eq!(got, [("email".to_string(), "amFuZS5kb2VAZXhhbXBsZS5vcmc".to_string())]);
    assert_eq!(found(&Scanner::new(), &text).len(), 1);
}

#[test]
fn explain_reports_decoded_candidates_and_their_rejections() {
    let s = Scanner::new();
    let text = b"ssn=666%2D12%2D3456 mail=jane%40example.org";
    let ex = s.explain(text);
    let rejected: Vec<_> = ex.iter().filter(|e| matches!(e.outcome, Outcome::Rejected(_))).collect();
    assert!(rejected.iter().any(|e| &*e.detector == "us_ssn" && &text[e.start..e.end] == b"666%2D12%2D3456"), "{ex:?}");
    assert!(ex.iter().any(|e| e.outcome == Outcome::Reported && &text[e.start..e.end] == b"jane%40example.org"));
}

/// A value right after an escaped line break or tab of a JSON or JavaScript string
/// (`"card:\n4111…"`, RFC 8259, 7) or an encoded one (`%0A`, `\u000a`, `&#10;`) starts there:
/// the letter of `\n` is not glued to it. Every built-in's catalogue example, written behind
/// each such separator, is found with the same value.
#[test]
fn a_value_after_an_escaped_line_break_is_found() {
    let scanner = Scanner::new();
    let mut failures = Vec::new();
    for b in dlpjet::Builtin::ALL {
        if b == dlpjet::Builtin::PrivateKey {
            continue; // the example elides the body
        }
        let example = b.example();
        let plain = found(&scanner, example);
        let Some((_, value)) = plain.iter().find(|(d, _)| d == b.id()) else { panic!("{}: {example:?}", b.id()) };
        for sep in [r"\n", r"\t", r"\r\n", r"\\n", r"\u000a", "%0A", "&#10;"] {
            let text = format!("{{\"msg\": \"x:{sep}{example}\"}}");
            let got = found(&scanner, &text);
            if !got.iter().any(|(d, v)| d == b.id() && v == value) {
                failures.push(format!("{}: {text} -> {got:?}", b.id()));
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
