//! An input that was not scanned never looks clean: `dlpjet scan` names it on stderr with the
//! reason, counts it, lists it in JSON and SARIF, and exits 3 when it was named on the command
//! line (or is standard input). Files a directory walk skips stay quiet unless
//! `--report-skipped`.

use assert_cmd::Command;

const CARD: &str = "4111 1111 1111 1111";

fn dlpjet() -> Command {
    Command::cargo_bin("dlpjet").unwrap()
}

/// A file with a NUL byte early and a card after it.
fn binary_with_card() -> Vec<u8> {
    let mut data = b"\x00\x01\x02binary ".to_vec();
    data.extend_from_slice(CARD.as_bytes());
    data
}

#[test]
fn a_named_binary_file_is_reported_and_exits_3() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("blob.bin");
    std::fs::write(&f, binary_with_card()).unwrap();
    let out = dlpjet().arg("scan").arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("blob.bin: not scanned: binary"), "{err}");
    assert!(out.stdout.is_empty());
    // Asked to, it is scanned and the card is found.
    dlpjet().args(["scan", "--binary"]).arg(&f).assert().code(1);
}

#[test]
fn binary_standard_input_is_reported_and_exits_3() {
    let out = dlpjet().arg("scan").write_stdin(binary_with_card()).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard input: not scanned: binary"));
}

#[test]
fn a_named_file_over_the_size_limit_is_reported_and_exits_3() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("big.txt");
    std::fs::write(&f, format!("card {CARD}\n")).unwrap();
    let out = dlpjet().args(["scan", "--max-filesize", "10"]).arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("big.txt: not scanned: larger than --max-filesize (10 bytes)"), "{err}");
}

#[test]
fn a_walk_skips_quietly_counts_and_lists_on_request() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("blob.bin"), binary_with_card()).unwrap();
    std::fs::write(d.path().join("clean.txt"), "nothing here\n").unwrap();
    let out = dlpjet().arg("scan").arg(d.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = dlpjet().args(["scan", "--report-skipped"]).arg(d.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("blob.bin: not scanned: binary"));
    // JSON lists it and counts it; SARIF carries it as a warning notification.
    let out = dlpjet().args(["scan", "--format", "json"]).arg(d.path()).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["skipped"], 1);
    assert_eq!(doc["skipped"].as_array().unwrap().len(), 1);
    assert!(doc["skipped"][0]["path"].as_str().unwrap().ends_with("blob.bin"));
    assert!(doc["skipped"][0]["reason"].as_str().unwrap().starts_with("not scanned: binary"));
    let out = dlpjet().args(["scan", "--format", "sarif"]).arg(d.path()).output().unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert!(notes
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["level"] == "warning" && n["message"]["text"].as_str().unwrap().contains("blob.bin: not scanned")));
}

/// Errors outrank skips (2), skips outrank findings (3 over 1): a gate that passes only on 0
/// never passes an input it did not read.
#[test]
fn exit_code_precedence() {
    let d = tempfile::tempdir().unwrap();
    let bin = d.path().join("blob.bin");
    let card = d.path().join("card.txt");
    std::fs::write(&bin, binary_with_card()).unwrap();
    std::fs::write(&card, format!("{CARD}\n")).unwrap();
    dlpjet().arg("scan").arg(&card).arg(&bin).assert().code(3);
    dlpjet().arg("scan").arg(&card).arg(&bin).arg(d.path().join("missing")).assert().code(2);
}
