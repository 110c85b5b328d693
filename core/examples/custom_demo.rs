//! Custom detectors end to end: a regex with a capture group and a validator, a dictionary,
//! an allowlist, and an explanation of what was suppressed.
//!
//! `cargo run -p dlpjet --example custom_demo`

use dlpjet::{Allowlist, CustomRegex, Dictionary, Scanner, Validator};

fn main() -> Result<(), dlpjet::BuildError> {
    let scanner = Scanner::builder()
        .only(["employee_id", "account", "codename", "email"])
        .regex(CustomRegex::new("employee_id", r"\bEMP-([0-9]{6})\b").group(1).context(["employee", "staff"]))
        .regex(CustomRegex::new("account", r"\bACCT[0-9]{12,16}\b").validator(Validator::Luhn))
        .dictionary(Dictionary::new("codename", ["Bluebird", "Night Jar"]).case_insensitive(true))
        .allowlist(Allowlist::new().detectors(["email"]).regexes([r"@example\.com$"]))
        .build()?;
    let text = b"staff EMP-004211 on NIGHT JAR; acct ACCT4111111111111111 and ACCT4111111111111112; ops@example.com, cto@corp.io";
    for e in scanner.explain(text) {
        println!("{}", e.describe(text));
    }
    Ok(())
}
