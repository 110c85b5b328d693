//! Integration tests: the real `dlpjet` binary on temporary trees and pipes.

use assert_cmd::Command;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Stdio;

const CARD: &str = "4111 1111 1111 1111";
const EMAIL: &str = "jane.doe@example.org";

fn dlpjet() -> Command {
    Command::cargo_bin("dlpjet").unwrap()
}

fn tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.txt"), format!("pay with {CARD} today\nmail {EMAIL}\n")).unwrap();
    std::fs::create_dir(d.path().join("sub")).unwrap();
    std::fs::write(d.path().join("sub/b.env"), "AWS_ACCESS_KEY_ID=AKIAERUWYPB5TD57UJZT\n").unwrap();
    std::fs::write(d.path().join("clean.txt"), "nothing to see\n").unwrap();
    d
}

fn jsonl(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn jsonl_contract_and_offsets() {
    let d = tree();
    let out = dlpjet().args(["scan", "--format", "jsonl"]).arg(d.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let recs = jsonl(&out.stdout);
    assert_eq!(recs.len(), 3);
    for r in &recs {
        for k in ["path", "detector", "start", "end", "line", "column", "confidence", "action", "preview"] {
            assert!(r.get(k).is_some(), "missing {k} in {r}");
        }
        assert!(r.get("value").is_none());
        let path = r["path"].as_str().unwrap();
        let data = std::fs::read(path).unwrap();
        let (s, e) = (r["start"].as_u64().unwrap() as usize, r["end"].as_u64().unwrap() as usize);
        let v = String::from_utf8_lossy(&data[s..e]).into_owned();
        match r["detector"].as_str().unwrap() {
            "credit_card" => {
                assert_eq!(v, CARD);
                assert_eq!((r["line"].as_u64(), r["column"].as_u64()), (Some(1), Some(10)));
            }
            "email" => {
                assert_eq!(v, EMAIL);
                assert_eq!((r["line"].as_u64(), r["column"].as_u64()), (Some(2), Some(6)));
            }
            "aws_access_key_id" => assert_eq!(v, "AKIAERUWYPB5TD57UJZT"),
            other => panic!("unexpected detector {other}"),
        }
        assert_eq!(r["action"], "warn");
        assert!(!r["preview"].as_str().unwrap().contains("4111 1111"));
    }
}

#[test]
fn large_files_stream_with_exact_offsets_and_lines() {
    // Findings before, across and after the 256 KiB read-buffer boundary.
    let d = tempfile::tempdir().unwrap();
    let line = "filler text without anything sensitive in it at all....\n"; // 56 bytes
    let mut text = String::new();
    let mut want = Vec::new();
    let mut line_no = 1;
    while text.len() < 700 * 1024 {
        if [1000usize, 262_100, 262_130, 500_000].iter().any(|&p| text.len() <= p && p < text.len() + line.len()) {
            want.push((text.len() + 4, line_no));
            text.push_str(&format!("pay {CARD} now filler filler filler\n"));
        } else {
            text.push_str(line);
        }
        line_no += 1;
    }
    let f = d.path().join("big.txt");
    std::fs::write(&f, &text).unwrap();
    let out = dlpjet().args(["scan", "--format", "jsonl"]).arg(&f).output().unwrap();
    let got: Vec<(usize, usize)> = jsonl(&out.stdout)
        .iter()
        .map(|r| (r["start"].as_u64().unwrap() as usize, r["line"].as_u64().unwrap() as usize))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn raw_values_only_with_show_values() {
    let d = tree();
    for format in ["text", "jsonl", "json", "sarif"] {
        let out = dlpjet().args(["scan", "--format", format]).arg(d.path()).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains(CARD) && !text.contains(EMAIL), "{format} leaked a value:\n{text}");
    }
    let out = dlpjet().args(["scan", "--format", "jsonl", "--show-values"]).arg(d.path()).output().unwrap();
    let recs = jsonl(&out.stdout);
    assert!(recs.iter().any(|r| r["value"] == CARD));
}

#[test]
fn json_and_sarif_documents() {
    let d = tree();
    let out = dlpjet().args(["scan", "--format", "json"]).arg(d.path()).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 3);
    assert_eq!(doc["summary"]["files"], 3);
    let out = dlpjet().args(["scan", "--format", "sarif"]).arg(d.path()).output().unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "dlpjet");
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn exit_codes() {
    let d = tree();
    dlpjet().args(["scan"]).arg(d.path().join("clean.txt")).assert().code(0);
    dlpjet().args(["scan"]).arg(d.path().join("a.txt")).assert().code(1);
    let out = dlpjet().args(["scan"]).arg(d.path().join("missing.txt")).arg(d.path().join("a.txt")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("missing.txt: no such file or directory"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // The other file was still scanned.
    assert!(String::from_utf8_lossy(&out.stdout).contains("credit_card"));
    dlpjet().args(["scan", "--detectors", "nope"]).write_stdin("x").assert().code(2);
    dlpjet().args(["scan", "--bogus-flag"]).assert().code(2);
}

#[test]
fn not_a_directory_is_reported_with_its_path() {
    let d = tree();
    let out = dlpjet().args(["scan"]).arg(d.path().join("a.txt/inner")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a.txt/inner: not a directory"));
}

#[test]
fn stdin_and_dash() {
    let out = dlpjet().args(["scan", "--format", "jsonl"]).write_stdin(format!("x {CARD}\n")).output().unwrap();
    let recs = jsonl(&out.stdout);
    assert_eq!(recs.len(), 1);
    assert!(recs[0]["path"].is_null());
    assert_eq!(recs[0]["start"], 2);
    let out = dlpjet().args(["scan", "-"]).write_stdin(format!("{EMAIL}\n")).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("<stdin>:1:1: email"));
}

fn git_tree() -> tempfile::TempDir {
    let d = tree();
    std::process::Command::new("git").arg("init").arg("-q").arg(d.path()).status().unwrap();
    std::fs::write(d.path().join(".gitignore"), "ignored.txt\n").unwrap();
    std::fs::write(d.path().join("ignored.txt"), format!("{CARD}\n")).unwrap();
    std::fs::write(d.path().join(".hidden.txt"), format!("{CARD}\n")).unwrap();
    std::fs::write(d.path().join(".ignore"), "also-ignored.txt\n").unwrap();
    std::fs::write(d.path().join("also-ignored.txt"), format!("{CARD}\n")).unwrap();
    d
}

fn scanned_files(args: &[&str], dir: &Path) -> Vec<String> {
    let out = dlpjet().args(["scan", "--format", "jsonl"]).args(args).arg(dir).output().unwrap();
    let mut files: Vec<String> = jsonl(&out.stdout)
        .iter()
        .map(|r| Path::new(r["path"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    files.dedup();
    files
}

#[test]
fn ignore_rules_like_ripgrep() {
    let d = git_tree();
    assert_eq!(scanned_files(&[], d.path()), ["a.txt", "b.env"]);
    assert_eq!(scanned_files(&["--hidden"], d.path()), [".hidden.txt", "a.txt", "b.env"]);
    assert_eq!(scanned_files(&["--no-ignore"], d.path()), ["a.txt", "also-ignored.txt", "b.env", "ignored.txt"]);
    // An explicitly named file is scanned even when ignored.
    assert_eq!(scanned_files(&[], &d.path().join("ignored.txt")), ["ignored.txt"]);
}

#[test]
fn binary_files_skipped_unless_asked() {
    let d = tempfile::tempdir().unwrap();
    let mut data = b"\x00\x01\x02binary ".to_vec();
    data.extend_from_slice(CARD.as_bytes());
    std::fs::write(d.path().join("blob.bin"), &data).unwrap();
    dlpjet().args(["scan"]).arg(d.path()).assert().code(0);
    dlpjet().args(["scan", "--binary"]).arg(d.path()).assert().code(1);
}

fn utf16le(s: &str, bom: bool) -> Vec<u8> {
    bom.then_some(0xFEFFu16).into_iter().chain(s.encode_utf16()).flat_map(u16::to_le_bytes).collect()
}

/// UTF-16 files (PowerShell redirection, Windows exports) are text: scanned decoded, with
/// offsets of the file's bytes, with or without a byte-order mark, and without `--binary`.
#[test]
fn utf16_files_are_scanned_as_text() {
    let d = tempfile::tempdir().unwrap();
    let text = format!("pay with {CARD} today\nmail {EMAIL}\n");
    std::fs::write(d.path().join("bom.txt"), utf16le(&text, true)).unwrap();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    std::fs::write(d.path().join("be.txt"), be).unwrap();
    let out = dlpjet().args(["scan", "--format", "jsonl"]).arg(d.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let recs = jsonl(&out.stdout);
    assert_eq!(recs.len(), 4, "{recs:?}");
    for r in &recs {
        let data = std::fs::read(r["path"].as_str().unwrap()).unwrap();
        let (s, e) = (r["start"].as_u64().unwrap() as usize, r["end"].as_u64().unwrap() as usize);
        let bom = data.starts_with(&[0xFF, 0xFE]);
        let units: Vec<u16> = data[s..e]
            .chunks(2)
            .map(|c| if bom { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) })
            .collect();
        let v = String::from_utf16(&units).unwrap();
        match r["detector"].as_str().unwrap() {
            "credit_card" => {
                assert_eq!(v, CARD);
                assert_eq!((r["line"].as_u64(), r["column"].as_u64()), (Some(1), Some(10)));
            }
            "email" => assert_eq!(v, EMAIL),
            other => panic!("unexpected {other}"),
        }
    }
    // Redaction writes UTF-16 back, in the same order and with the same mark.
    let a = d.path().join("bom.txt");
    let out = dlpjet().args(["redact"]).arg(&a).output().unwrap();
    assert_eq!(out.stdout, utf16le("pay with [CREDIT_CARD] today\nmail [EMAIL]\n", true));
}

#[test]
fn max_filesize_and_threads() {
    let d = tree();
    dlpjet().args(["scan", "--max-filesize", "10"]).arg(d.path()).assert().code(0);
    dlpjet().args(["scan", "--max-filesize", "10X"]).arg(d.path()).assert().code(2);
    let one = dlpjet().args(["scan", "--format", "jsonl", "-j", "1"]).arg(d.path()).output().unwrap().stdout;
    let two = dlpjet().args(["scan", "--format", "jsonl", "-j", "2"]).arg(d.path()).output().unwrap().stdout;
    assert_eq!(one, two);
}

/// Many files of uneven size, so that workers finish out of order: the output is still in the
/// walk's order (sorted by name within each directory), the same for any thread count, and a
/// problem with one path is reported in its place without stopping the others.
#[test]
fn output_follows_the_walk_order_whatever_the_threads() {
    let d = tempfile::tempdir().unwrap();
    for i in 0..300 {
        let dir = d.path().join(format!("d{}", i % 7));
        std::fs::create_dir_all(&dir).unwrap();
        let filler = "lorem ipsum ".repeat(if i % 13 == 0 { 40_000 } else { i % 5 });
        std::fs::write(dir.join(format!("f{i:03}.txt")), format!("{filler}\nmail {EMAIL}\n")).unwrap();
    }
    let run = |threads: &str| {
        let missing = d.path().join("missing.txt");
        let out =
            dlpjet().args(["scan", "--format", "jsonl", "-j", threads]).arg(d.path()).arg(&missing).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(err.contains("missing.txt: no such file or directory"), "{err}");
        out.stdout
    };
    let one = run("1");
    let paths: Vec<String> = jsonl(&one).iter().map(|r| r["path"].as_str().unwrap().to_string()).collect();
    assert_eq!(paths.len(), 300);
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    for threads in ["2", "4", "8"] {
        assert_eq!(run(threads), one, "-j {threads}");
    }
}

/// A large directory named on the command line: while one worker lists it, the others scan
/// its files ahead of their turn. Whatever they scanned ahead, the output is the same as with
/// one thread: files the walk skips (ignored, hidden) never show, a FIFO is not opened, and a
/// file larger than a read buffer is streamed in its turn.
#[test]
fn scanning_ahead_of_a_listing_changes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    std::process::Command::new("git").arg("init").arg("-q").arg(root).status().unwrap();
    std::fs::write(root.join(".gitignore"), "*.skip\n").unwrap();
    for i in 0..3000 {
        let body = if i % 3 == 0 { format!("mail {EMAIL}\n") } else { "nothing here\n".to_string() };
        std::fs::write(root.join(format!("f{i:04}.txt")), body).unwrap();
        if i % 10 == 0 {
            std::fs::write(root.join(format!("g{i:04}.skip")), format!("{CARD}\n")).unwrap();
            std::fs::write(root.join(format!(".h{i:04}.txt")), format!("{CARD}\n")).unwrap();
        }
    }
    let big = format!("{}\n{CARD}\n", "lorem ipsum ".repeat(500_000));
    std::fs::write(root.join("big.txt"), big).unwrap();
    let fifo = root.join("pipe.txt");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let run = |threads: &str| {
        let out = dlpjet().args(["scan", "--format", "jsonl", "-j", threads]).arg(root).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let one = run("1");
    let records = jsonl(&one);
    assert_eq!(records.len(), 1001);
    for r in &records {
        let name = Path::new(r["path"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with('f') || name == "big.txt", "{name} was not to be scanned");
    }
    for threads in ["2", "4", "4", "8"] {
        assert_eq!(run(threads), one, "-j {threads}");
    }
}

#[test]
fn invalid_utf8_content_and_names() {
    let d = tempfile::tempdir().unwrap();
    let mut data = b"\xff\xfe bad bytes ".to_vec();
    data.extend_from_slice(EMAIL.as_bytes());
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::OsStr::from_bytes(b"odd-\xffname.txt");
    std::fs::write(d.path().join(name), &data).unwrap();
    let out = dlpjet().args(["scan", "--format", "jsonl"]).arg(d.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let recs = jsonl(&out.stdout);
    assert_eq!(recs[0]["detector"], "email");
    assert!(recs[0]["path"].as_str().unwrap().contains("odd-"));
}

#[test]
fn detectors_listing() {
    let out = dlpjet().args(["detectors"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for b in dlpjet::Builtin::ALL {
        assert!(text.contains(b.id()), "{}", b.id());
    }
    assert!(!text.contains("4111 1111 1111 1111"), "examples must be masked");
    let out = dlpjet().args(["detectors", "--json"]).output().unwrap();
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.len(), dlpjet::Builtin::ALL.len());
}

#[test]
fn eval_against_the_committed_truth() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/samples");
    let out = dlpjet().args(["eval", "--min-f1", "0.99", "--truth"]).arg(root.join("truth.jsonl")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("credit_card"));
    dlpjet().args(["eval", "--truth"]).arg(root.join("nope.jsonl")).assert().code(2);
}

#[test]
fn redact_to_stdout_file_and_in_place() {
    let d = tree();
    let a = d.path().join("a.txt");
    let want = "pay with [CREDIT_CARD] today\nmail [EMAIL]\n";
    dlpjet().args(["redact"]).arg(&a).assert().code(0).stdout(want);
    dlpjet().args(["redact"]).write_stdin(format!("pay with {CARD} today\nmail {EMAIL}\n")).assert().stdout(want);
    let o = d.path().join("out.txt");
    dlpjet().args(["redact", "-o"]).arg(&o).arg(&a).assert().code(0);
    assert_eq!(std::fs::read_to_string(&o).unwrap(), want);
    dlpjet()
        .args(["redact", "--style", "partial"])
        .arg(&a)
        .assert()
        .stdout("pay with **** **** **** 1111 today\nmail ****.***@******e.org\n");
    dlpjet().args(["redact", "--in-place"]).arg(&a).assert().code(0).stdout("");
    assert_eq!(std::fs::read_to_string(&a).unwrap(), want);
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with(".dlpjet-redact-"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn redact_bad_input_loses_nothing() {
    let d = tree();
    let a = d.path().join("a.txt");
    let before = std::fs::read(&a).unwrap();
    // Output into a directory that does not exist: error naming it, nothing written.
    let out = dlpjet().args(["redact", "-o"]).arg(d.path().join("no/such/dir/out.txt")).arg(&a).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/dir"), "{}", String::from_utf8_lossy(&out.stderr));
    // A directory as input.
    let out = dlpjet().args(["redact", "--in-place"]).arg(d.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    // --in-place on stdin, and a pseudonym without a key.
    dlpjet().args(["redact", "--in-place"]).write_stdin("x").assert().code(2);
    dlpjet().args(["redact", "--style", "pseudonym"]).write_stdin("x").assert().code(2);
    dlpjet()
        .args(["redact", "--style", "pseudonym", "--pseudonym-key-env", "DLPJET_TEST_UNSET_VAR"])
        .write_stdin("x")
        .assert()
        .code(2);
    assert_eq!(std::fs::read(&a).unwrap(), before);
}

#[test]
fn pseudonyms_are_stable_per_key() {
    let run = |key: &str| {
        let out = dlpjet()
            .args(["redact", "--style", "pseudonym", "--pseudonym-key-env", "DLPJET_KEY"])
            .env("DLPJET_KEY", key)
            .write_stdin(format!("{EMAIL} and {EMAIL}"))
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let a = run("0123456789abcdef0123");
    let parts: Vec<&str> = a.split(" and ").collect();
    assert_eq!(parts[0], parts[1]);
    assert!(parts[0].starts_with("[EMAIL:"));
    assert_ne!(a, run("another-key-0123456789"));
}

#[test]
fn in_place_interrupted_leaves_original_or_complete_result() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("big.txt");
    let mut content = Vec::new();
    while content.len() < 64 << 20 {
        content.extend_from_slice(format!("line with {CARD} and {EMAIL}\n").as_bytes());
    }
    std::fs::write(&f, &content).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("dlpjet");
    for delay_ms in [5, 40, 150] {
        let mut child = std::process::Command::new(&bin).args(["redact", "--in-place"]).arg(&f).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let now = std::fs::read(&f).unwrap();
        let done = now.starts_with(b"line with [CREDIT_CARD]");
        assert!(
            now == content || (done && now.len() < content.len() && now.ends_with(b"[EMAIL]\n")),
            "partial file after kill at {delay_ms} ms"
        );
        if done {
            std::fs::write(&f, &content).unwrap();
        }
    }
}

#[test]
fn broken_pipe_ends_quietly() {
    let d = tempfile::tempdir().unwrap();
    for i in 0..200 {
        std::fs::write(d.path().join(format!("f{i:03}.txt")), format!("{CARD}\n").repeat(50)).unwrap();
    }
    let bin = assert_cmd::cargo::cargo_bin("dlpjet");
    let mut child = std::process::Command::new(bin)
        .args(["scan"])
        .arg(d.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = child.wait().unwrap();
    assert!(err.is_empty(), "stderr after broken pipe: {err}");
    assert!(status.code().is_some(), "killed by a signal");
}

#[test]
fn redact_stream_memory_is_bounded() {
    // 48 MiB through a pipe; buffering it would take the peak RSS well past 24 MiB.
    let bin = assert_cmd::cargo::cargo_bin("dlpjet");
    let mut child = std::process::Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(bin)
        .arg("redact")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(ref mut child) = child else {
        eprintln!("skipping: /usr/bin/time is not installed");
        return;
    };
    let mut stdin = child.stdin.take().unwrap();
    let line = format!("some text {CARD} more {EMAIL} and words\n").repeat(1000);
    for _ in 0..(48 << 20) / line.len() {
        stdin.write_all(line.as_bytes()).unwrap();
    }
    drop(stdin);
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(child.wait().unwrap().success());
    let max_kib: u64 = err.trim().lines().last().unwrap().parse().unwrap();
    assert!(max_kib < 24 * 1024, "peak RSS {max_kib} KiB for a 48 MiB stream");
}

#[test]
fn terminal_gets_colour_and_summary_pipes_get_neither() {
    let d = tree();
    let bin = assert_cmd::cargo::cargo_bin("dlpjet");
    // A pipe: plain text, no summary or progress on stderr.
    let out = dlpjet().args(["scan"]).arg(d.path()).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\x1b'));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    // A terminal (util-linux `script` provides a pseudo-terminal): colour and a summary line.
    let cmd = format!("{} scan {}", bin.display(), d.path().display());
    let Ok(out) = std::process::Command::new("script").args(["-qec", &cmd, "/dev/null"]).output() else {
        eprintln!("skipping the terminal half: `script` (util-linux) is not installed");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\x1b[1;31mcredit_card"), "{text}");
    assert!(text.contains("3 files (0 skipped)") && text.contains("3 findings"), "{text}");
    assert!(!text.contains(CARD));
}

const POLICY: &str = r#"
version = 1
[default]
default_action = "warn"
[default.detectors.credit_card]
action = "block"
[default.detectors.email]
action = "redact"
redact = "mask"
[default.detectors.aws_access_key_id]
action = "allow"
[tenants.relaxed.detectors.credit_card]
action = "redact"
redact = "partial"
keep_last = 4
[tenants.relaxed.detectors.email]
action = "allow"
"#;

fn with_policy(d: &Path) -> std::path::PathBuf {
    let p = d.join("policy.toml");
    std::fs::write(&p, POLICY).unwrap();
    p
}

#[test]
fn scan_with_a_policy_reports_each_findings_action() {
    let d = tree();
    let p = with_policy(d.path());
    let out = dlpjet().args(["scan", "--format", "jsonl", "--policy"]).arg(&p).arg(d.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let mut got: Vec<(String, String)> = jsonl(&out.stdout)
        .iter()
        .map(|r| (r["detector"].as_str().unwrap().to_string(), r["action"].as_str().unwrap().to_string()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("aws_access_key_id".into(), "allow".into()),
            ("credit_card".into(), "block".into()),
            ("email".into(), "redact".into())
        ]
    );
    let out = dlpjet()
        .args(["scan", "--format", "jsonl", "--tenant", "relaxed", "--policy"])
        .arg(&p)
        .arg(d.path().join("a.txt"))
        .output()
        .unwrap();
    let actions: Vec<String> = jsonl(&out.stdout).iter().map(|r| r["action"].as_str().unwrap().to_string()).collect();
    assert_eq!(actions, ["redact", "allow"]);
    // Only allowed findings: nothing to act on, exit 0.
    let out = dlpjet().args(["scan", "--policy"]).arg(&p).arg(d.path().join("sub/b.env")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn scan_with_a_broken_policy_or_unknown_tenant_fails_with_where() {
    let d = tree();
    let p = d.path().join("bad.toml");
    std::fs::write(&p, "version = 1\n[default.detectors.credit_card]\naction = \"explode\"\n").unwrap();
    let out = dlpjet().args(["scan", "--policy"]).arg(&p).arg(d.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:3:10: default.detectors.credit_card.action: unknown variant `explode`"), "{err}");
    assert!(out.stdout.is_empty());
    let p = with_policy(d.path());
    let out = dlpjet().args(["scan", "--tenant", "nobody", "--policy"]).arg(&p).arg(d.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown tenant \"nobody\" (known: default, relaxed)"));
    // The policy decides the detectors; the detector flags do not mix with it.
    let out = dlpjet().args(["scan", "--detectors", "email", "--policy"]).arg(&p).arg(d.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn redact_with_a_policy_rewrites_or_blocks() {
    let d = tempfile::tempdir().unwrap();
    let p = with_policy(d.path());
    let out = dlpjet()
        .args(["redact", "--tenant", "relaxed", "--policy"])
        .arg(&p)
        .write_stdin(format!("card {CARD}, mail {EMAIL}\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("card **** **** **** 1111, mail {EMAIL}\n"));
    // A blocking finding: nothing is written to the output file, the original stays.
    let src = d.path().join("in.txt");
    std::fs::write(&src, format!("mail {EMAIL}\ncard {CARD}\n")).unwrap();
    let target = d.path().join("out.txt");
    let out = dlpjet().args(["redact", "--policy"]).arg(&p).arg(&src).arg("-o").arg(&target).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("blocked by policy: credit_card (1 hit)"));
    assert!(!target.exists());
    let out = dlpjet().args(["redact", "--in-place", "--policy"]).arg(&p).arg(&src).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&src).unwrap(), format!("mail {EMAIL}\ncard {CARD}\n"));
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".dlpjet"))
        .collect();
    assert!(leftovers.is_empty());
    // Without a blocking finding the file is rewritten by the policy's styles.
    std::fs::write(&src, format!("mail {EMAIL}\n")).unwrap();
    let out = dlpjet().args(["redact", "--in-place", "--policy"]).arg(&p).arg(&src).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&src).unwrap(), format!("mail {}\n", "*".repeat(EMAIL.len())));
    let out = dlpjet().args(["redact", "--style", "mask", "--policy"]).arg(&p).write_stdin("x").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// To standard output, nothing of a blocked input is written: the text before the blocking
/// value (here 2 MiB of it, more than one read) is held until the input has passed.
#[test]
fn redact_to_stdout_writes_nothing_of_a_blocked_input() {
    let d = tempfile::tempdir().unwrap();
    let p = with_policy(d.path());
    let mut text = format!("mail {EMAIL}\n").repeat(1);
    while text.len() < 2 << 20 {
        text.push_str("plain words on a line of their own\n");
    }
    text.push_str(&format!("card {CARD}\n"));
    let src = d.path().join("in.txt");
    std::fs::write(&src, &text).unwrap();
    for stdin in [false, true] {
        let mut cmd = dlpjet();
        cmd.args(["redact", "--policy"]).arg(&p);
        if stdin {
            cmd.write_stdin(text.clone());
        } else {
            cmd.arg(&src);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(out.stdout.is_empty(), "{} bytes written", out.stdout.len());
        assert!(String::from_utf8_lossy(&out.stderr).contains("blocked by policy: credit_card (1 hit)"));
    }
    // Without the blocking value the whole redacted text comes out.
    let clean = text.replace(&format!("card {CARD}\n"), "");
    let out = dlpjet().args(["redact", "--policy"]).arg(&p).write_stdin(clean.clone()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout.len(), clean.len());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with(&format!("mail {}\n", "*".repeat(EMAIL.len()))));
}

/// A Betterleaks rule file imports with its translated filter and every part left out named
/// by rule id (`policy check`); `policy explain --stats` counts each rule's candidates and why
/// they were dropped, and without `--stats` says so per candidate.
#[test]
fn imported_rules_report_their_parts_and_explain_their_candidates() {
    let d = tempfile::tempdir().unwrap();
    let rules = r#"
[[rules]]
id = "demo-token"
regex = '''\b(dmo_[A-Za-z0-9]{16})\b'''
keywords = ["dmo_"]
filter = """
entropy(finding["secret"]) <= 3.0
|| containsAny(finding["secret"], ["EXAMPLE"])
|| matchesAny(finding["line"], [`^#`])
"""
validate = "http.get('https://example.invalid').status == 200"

[[rules]]
id = "demo-client-id"
regex = '''dmoid_[0-9]{8}'''
keywords = ["dmoid_"]
skipReport = true
"#;
    std::fs::write(d.path().join("rules.toml"), rules).unwrap();
    let policy = d.path().join("p.toml");
    std::fs::write(&policy, "version = 1\n[[default.imports]]\nbetterleaks = \"rules.toml\"\n").unwrap();
    let out = dlpjet().args(["policy", "check"]).arg(&policy).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("2 rules, 1 loaded, 1 skipped"), "{text}");
    assert!(text.contains("skipped demo-client-id: `skipReport`"), "{text}");
    let line_term = "part of demo-token: filter term left out (reports more): matchesAny(finding[\"line\"]";
    assert!(text.contains(line_term), "{text}");
    assert!(text.contains("part of demo-token: `validate` left out"), "{text}");
    let sample = d.path().join("sample.txt");
    std::fs::write(&sample, "dmo_q8Zr2kLm9XwP4vTn\ndmo_aaaaaaaaaaaaaaaa\ndmo_EXAMPLEq8Zr2kLm9\n").unwrap();
    let out = dlpjet().args(["policy", "explain", "--stats"]).arg(&policy).arg(&sample).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let row: Vec<&str> = text.lines().find(|l| l.starts_with("demo-token ")).unwrap().split_whitespace().collect();
    // Three candidates: one reported, one under the entropy bound, one allowlisted.
    assert_eq!(row[1..6], ["3", "1", "1", "0", "1"], "{text}");
    let out = dlpjet().args(["policy", "explain"]).arg(&policy).arg(&sample).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l.contains("demo-token") && l.contains("suppressed: allowlisted")), "{text}");
    assert!(text.lines().any(|l| l.contains("demo-token") && l.contains("entropy check failed")), "{text}");
}

#[test]
fn policy_check_prints_the_summary_or_the_error() {
    let d = tempfile::tempdir().unwrap();
    let p = with_policy(d.path());
    let out = dlpjet().args(["policy", "check"]).arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("valid, 2 tenants"), "{text}");
    let one = d.path().join("one.toml");
    std::fs::write(&one, "version = 1\n[default]\ndefault_action = \"warn\"\n").unwrap();
    let out = dlpjet().args(["policy", "check"]).arg(&one).output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("valid, 1 tenant\n"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(text.contains("tenant relaxed: default action warn"), "{text}");
    assert!(
        text.lines().any(|l| l.contains("credit_card") && l.contains("redact") && l.contains("partial (keep 4)")),
        "{text}"
    );
    let out = dlpjet().args(["policy", "check", "--json"]).arg(&p).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["tenants"].as_array().unwrap().len(), 2);
    let bad = d.path().join("bad.toml");
    std::fs::write(&bad, "version = 1\n[tenants.a]\ninherits = \"a\"\n").unwrap();
    let out = dlpjet().args(["policy", "check"]).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bad.toml:3:12: tenants.a.inherits: inheritance cycle: a -> a")
    );
    // The bundled examples are valid.
    for f in ["strict-pci-pii.toml", "secrets-only.toml", "warn-only.toml"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/policies").join(f);
        let out = dlpjet()
            .args(["policy", "check"])
            .arg(&path)
            .env("DLPJET_PSEUDONYM_KEY", "example key material, 32 bytes!!")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{f}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

/// Several instances' logs: `query` merges them in time order and names each record's log;
/// `verify` checks each and fails if any fails.
#[test]
fn audit_query_merges_logs_and_verify_checks_each() {
    use dlpjet_audit::{AuditEvent, AuditLog, EventAction, Options};
    let d = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = ["gw-1", "gw-2", "gw-3"].iter().map(|n| d.path().join(n)).collect();
    let logs: Vec<_> = dirs.iter().map(|p| AuditLog::open(p, Options::default()).unwrap()).collect();
    // Interleaved in time: event i goes to log i % 3; all acme but every fourth.
    for i in 0..12 {
        let tenant = if i % 4 == 3 { "globex" } else { "acme" };
        logs[i % 3].append(&AuditEvent::new(tenant, EventAction::Allow).detail("n", i.to_string())).unwrap();
    }
    logs.into_iter().for_each(|l| l.close().unwrap());
    let out = dlpjet().args(["audit", "query"]).args(&dirs).args(["--tenant", "acme"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = jsonl(&out.stdout);
    let order: Vec<(String, u64, String)> = rows
        .iter()
        .map(|r| {
            let log = Path::new(r["log"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned();
            (log, r["seq"].as_u64().unwrap(), r["event"]["details"]["n"].as_str().unwrap().to_string())
        })
        .collect();
    let want: Vec<(String, u64, String)> =
        (0..12).filter(|i| i % 4 != 3).map(|i| (format!("gw-{}", i % 3 + 1), (i / 3) as u64, i.to_string())).collect();
    assert_eq!(order, want);
    let csv = dlpjet().args(["audit", "query", "--format", "csv"]).args(&dirs).output().unwrap();
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.starts_with("log,seq,time,tenant,"), "{csv}");
    assert_eq!(csv.lines().count(), 13);
    assert!(csv.lines().nth(2).unwrap().contains("gw-2,0,"), "{csv}");

    let ok = dlpjet().args(["audit", "verify", "--json"]).args(&dirs).output().unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    let reports = jsonl(&ok.stdout);
    assert_eq!(reports.len(), 3);
    assert!(reports.iter().all(|r| r["ok"] == true && r["records"] == 4));
    // Tamper with the second log: it alone fails, and so does the command.
    let seg = dirs[1].join("seg-0000000000.log");
    let text = std::fs::read_to_string(&seg).unwrap();
    std::fs::write(&seg, text.replacen("\"tenant\":\"acme\"", "\"tenant\":\"acmf\"", 1)).unwrap();
    let bad = dlpjet().args(["audit", "verify", "--json"]).args(&dirs).output().unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let reports = jsonl(&bad.stdout);
    assert_eq!(reports.iter().map(|r| r["ok"] == true).collect::<Vec<_>>(), [true, false, true]);
    assert!(reports[1]["dir"].as_str().unwrap().ends_with("gw-2"));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("1 of 3 audit logs do not verify"));
    let none = dlpjet().args(["audit", "query"]).arg(&dirs[0]).arg(d.path().join("nope")).output().unwrap();
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("nope: no such directory"));
}

#[test]
fn audit_keygen_checkpoint_verify_and_query() {
    use dlpjet_audit::{AuditEvent, AuditLog, EventAction, Options};
    let d = tempfile::tempdir().unwrap();
    let key = d.path().join("audit.key");
    let out = dlpjet().args(["audit", "keygen"]).arg(&key).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(d.path().join("audit.key.pub").exists());
    let again = dlpjet().args(["audit", "keygen"]).arg(&key).output().unwrap();
    assert_eq!(again.status.code(), Some(2), "an existing key is never overwritten");
    let log_dir = d.path().join("log");
    let signing = dlpjet_audit::read_signing_key(&key).unwrap();
    let log =
        AuditLog::open(&log_dir, Options { checkpoint_key: Some(signing), checkpoint_every: 5, ..Options::default() })
            .unwrap();
    for i in 0..12 {
        let e =
            AuditEvent::new(if i % 2 == 0 { "acme" } else { "globex" }, EventAction::Redact).actor(format!("key:{i}"));
        log.append(&e).unwrap();
    }
    log.close().unwrap();
    let pubkey = d.path().join("audit.key.pub");
    let ok = dlpjet().args(["audit", "verify"]).arg(&log_dir).arg("--public-key").arg(&pubkey).output().unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("ok: 12 records"));
    // An exported checkpoint, then the last records cut off with the log's own checkpoints.
    let cp = dlpjet().args(["audit", "checkpoint"]).arg(&log_dir).arg("--key").arg(&key).output().unwrap();
    assert_eq!(cp.status.code(), Some(0), "{}", String::from_utf8_lossy(&cp.stderr));
    let exported = d.path().join("kept.jsonl");
    std::fs::write(&exported, &cp.stdout).unwrap();
    let csv =
        dlpjet().args(["audit", "query"]).arg(&log_dir).args(["--tenant", "acme", "--format", "csv"]).output().unwrap();
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert_eq!(csv.lines().count(), 7, "{csv}");
    assert!(csv.starts_with("seq,time,tenant,") && csv.lines().nth(1).unwrap().starts_with("0,"));
    let jl = dlpjet()
        .args(["audit", "query"])
        .arg(&log_dir)
        .args(["--actor", "key:3", "--action", "redact"])
        .output()
        .unwrap();
    let rows = jsonl(&jl.stdout);
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0]["seq"].as_u64(), rows[0]["event"]["tenant"].as_str()), (Some(3), Some("globex")));
    let bad = dlpjet().args(["audit", "query"]).arg(&log_dir).args(["--since", "last week"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--since"));
    // Tamper: rewrite one record's tenant.
    let seg = log_dir.join("seg-0000000000.log");
    let text = std::fs::read_to_string(&seg).unwrap();
    std::fs::write(&seg, text.replacen("\"tenant\":\"globex\"", "\"tenant\":\"acme!!\"", 1)).unwrap();
    let tampered = dlpjet()
        .args(["audit", "verify"])
        .arg(&log_dir)
        .arg("--public-key")
        .arg(&pubkey)
        .arg("--checkpoint")
        .arg(&exported)
        .output()
        .unwrap();
    assert_eq!(tampered.status.code(), Some(1));
    let err = String::from_utf8_lossy(&tampered.stderr);
    assert!(err.contains("seg-0000000000.log:3 (record 1)") && err.contains("hash chain"), "{err}");
    std::fs::write(&seg, &text).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.truncate(lines.len() - 2);
    std::fs::write(&seg, lines.join("\n") + "\n").unwrap();
    std::fs::write(log_dir.join("checkpoints.jsonl"), "").unwrap();
    let cut = dlpjet()
        .args(["audit", "verify"])
        .arg(&log_dir)
        .arg("--public-key")
        .arg(&pubkey)
        .arg("--checkpoint")
        .arg(&exported)
        .output()
        .unwrap();
    assert_eq!(cut.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&cut.stderr).contains("removed from its end"));
    let missing = dlpjet().args(["audit", "verify"]).arg(d.path().join("nope")).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn vault_and_keys_commands() {
    let d = tempfile::tempdir().unwrap();
    let store = d.path().join("v.db");
    let init = dlpjet().args(["vault", "init", "--store"]).arg(&store).output().unwrap();
    assert_eq!(init.status.code(), Some(0));
    let master = String::from_utf8(init.stdout).unwrap().trim().to_string();
    assert_eq!(master.len(), 64);
    // Only `vault init` creates a store: it refuses one that is there, and every other command
    // refuses one that is not (a mistyped path is no new, empty vault).
    let again = dlpjet().args(["vault", "init", "--store"]).arg(&store).output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("a vault already exists here"));
    let typo = d.path().join("typo.db");
    let missing = dlpjet()
        .args(["vault", "list", "--tenant", "acme", "--store"])
        .arg(&typo)
        .env("DLPJET_VAULT_MASTER_KEY", &master)
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no vault here"));
    assert!(!typo.exists());
    let run = |args: &[&str], stdin: &str| {
        let mut c = dlpjet();
        c.args(args).arg("--store").arg(&store).env("DLPJET_VAULT_MASTER_KEY", &master).write_stdin(stdin.to_string());
        c.output().unwrap()
    };
    let put = run(&["vault", "put", "--tenant", "acme", "--id", "openai"], "sk-canary-provider-1\n");
    assert_eq!(put.status.code(), Some(0), "{}", String::from_utf8_lossy(&put.stderr));
    let put = run(&["vault", "put", "--tenant", "acme", "--id", "db", "--user", "ann", "--injected"], "pg-canary-2");
    assert_eq!(put.status.code(), Some(0));
    let list = run(&["vault", "list", "--tenant", "acme", "--user", "ann"], "");
    let text = String::from_utf8(list.stdout).unwrap();
    assert!(text.starts_with("ID ") && text.lines().next().unwrap().contains("DELIVERY"), "{text}");
    assert!(
        text.contains("openai") && text.contains("proxied") && text.contains("user:ann") && !text.contains("canary"),
        "{text}"
    );
    // Proxied secrets cannot be leased; injected ones can, and the lease reads the value.
    let denied = run(&["vault", "lease", "--tenant", "acme", "--id", "openai", "--holder", "x"], "");
    assert_eq!(denied.status.code(), Some(2));
    let lease = run(
        &["vault", "lease", "--tenant", "acme", "--id", "db", "--user", "ann", "--holder", "ann", "--ttl", "60"],
        "",
    );
    let lease_id = String::from_utf8(lease.stdout).unwrap().trim().to_string();
    let read = run(&["vault", "read-lease", &lease_id], "");
    assert_eq!(read.stdout, b"pg-canary-2");
    let revoke = run(&["vault", "revoke", "--tenant", "acme", "--lease", &lease_id], "");
    assert_eq!(revoke.status.code(), Some(0));
    // A secret id that users also hold is revoked by naming the scope, never all at once by
    // default.
    let put = run(&["vault", "put", "--tenant", "acme", "--id", "db"], "pg-canary-tenant");
    assert_eq!(put.status.code(), Some(0));
    let ambiguous = run(&["vault", "revoke", "--tenant", "acme", "--id", "db"], "");
    assert_eq!(ambiguous.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&ambiguous.stderr);
    assert!(msg.contains("also stored for user(s) ann") && msg.contains("nothing was revoked"), "{msg}");
    let one = run(&["vault", "revoke", "--tenant", "acme", "--id", "db", "--user", "ann"], "");
    assert_eq!(one.status.code(), Some(0), "{}", String::from_utf8_lossy(&one.stderr));
    let tenant = run(&["vault", "revoke", "--tenant", "acme", "--id", "db"], "");
    assert_eq!(tenant.status.code(), Some(0), "{}", String::from_utf8_lossy(&tenant.stderr));
    let again = run(&["vault", "revoke", "--tenant", "acme", "--id", "db"], "");
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(run(&["vault", "read-lease", &lease_id], "").status.code(), Some(2));
    // A wrong master key is named as such.
    let mut wrong = dlpjet();
    wrong
        .args(["vault", "list", "--tenant", "acme"])
        .arg("--store")
        .arg(&store)
        .env("DLPJET_VAULT_MASTER_KEY", "3f9c2a71d0e84b56a1c7e29f0b4d86e35a2c9f17b08e4d63c5a19e72f04b8d26");
    let wrong = wrong.output().unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("wrong master key"));
    // Rotation to a new key from a file; the old one is refused afterwards.
    let new_key = d.path().join("new.key");
    std::fs::write(&new_key, "c41e7b09a35f82d6e07c94b1f2a6d358b9e04c7a16f3d82e5c0b97a4e61f2d83").unwrap();
    // A key file others can read is refused; the owner's alone is taken.
    let open = run(&["vault", "rotate", "--new-key-file", new_key.to_str().unwrap()], "");
    assert_eq!(open.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&open.stderr).contains("make it 0600"),
        "{}",
        String::from_utf8_lossy(&open.stderr)
    );
    #[cfg(unix)]
    std::fs::set_permissions(&new_key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    // A weak key is refused wherever it comes from.
    let weak = dlpjet()
        .args(["vault", "list", "--tenant", "acme"])
        .arg("--store")
        .arg(&store)
        .env("DLPJET_VAULT_MASTER_KEY", "00".repeat(32))
        .output()
        .unwrap();
    assert_eq!(weak.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&weak.stderr).contains("weak master key"));
    let rot = run(&["vault", "rotate", "--new-key-file", new_key.to_str().unwrap()], "");
    assert_eq!(rot.status.code(), Some(0), "{}", String::from_utf8_lossy(&rot.stderr));
    assert_eq!(run(&["vault", "list", "--tenant", "acme"], "").status.code(), Some(2));
    let mut after = dlpjet();
    after
        .args(["keys", "create", "--tenant", "acme", "--user", "ann", "--role", "admin", "--rate", "60"])
        .arg("--store")
        .arg(&store)
        .arg("--master-key-file")
        .arg(&new_key);
    let created = after.output().unwrap();
    assert_eq!(created.status.code(), Some(0), "{}", String::from_utf8_lossy(&created.stderr));
    let api_key = String::from_utf8(created.stdout).unwrap().trim().to_string();
    assert!(api_key.starts_with("dlpjet_live_"));
    let keys = |args: &[&str], stdin: &str| {
        let mut c = dlpjet();
        c.args(args).arg("--store").arg(&store).arg("--master-key-file").arg(&new_key).write_stdin(stdin.to_string());
        c.output().unwrap()
    };
    let ok = keys(&["keys", "verify"], &api_key);
    assert_eq!(ok.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("acme/ann admin"));
    let listed = String::from_utf8(keys(&["keys", "list", "--tenant", "acme"], "").stdout).unwrap();
    assert!(listed.contains("rate=60/min") && !listed.contains(&api_key[12..]), "{listed}");
    // A header row, then one row per key with its expiry.
    assert!(listed.starts_with("ID ") && listed.lines().next().unwrap().contains("EXPIRES"), "{listed}");
    assert!(listed.lines().nth(1).unwrap().contains(" never "), "{listed}");
    let id = listed.lines().nth(1).unwrap().split_whitespace().next().unwrap().to_string();
    assert_eq!(keys(&["keys", "revoke", "--tenant", "acme", "--id", &id], "").status.code(), Some(0));
    assert_eq!(keys(&["keys", "verify"], &api_key).status.code(), Some(1));
    // Nothing written holds a canary or the key.
    let mut bytes = Vec::new();
    for f in std::fs::read_dir(d.path()).unwrap() {
        let p = f.unwrap().path();
        if p != new_key {
            bytes.extend(std::fs::read(p).unwrap());
        }
    }
    for c in ["sk-canary-provider-1", "pg-canary-2", api_key.as_str(), master.as_str()] {
        assert!(!bytes.windows(c.len()).any(|w| w == c.as_bytes()), "{c}");
    }
}

#[test]
fn gateway_start_errors_are_one_line_and_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let run = |config: &str| {
        let out = dlpjet()
            .args(["gateway", "--config", config])
            .current_dir(dir.path())
            .env_remove("DLPJET_VAULT_MASTER_KEY")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty(), "nothing is listening");
        String::from_utf8(out.stderr).unwrap()
    };
    assert_eq!(run("missing.toml"), "dlpjet: missing.toml: cannot read: no such file or directory\n");
    let vault = "listen = \"127.0.0.1:0\"\n[vault]\npath = \"v.db\"\n";
    std::fs::write(
        dir.path().join("kind.toml"),
        format!("{vault}[[upstreams]]\nname = \"a\"\nkind = \"gemini\"\nbase_url = \"http://x/v1\"\nkey = \"k\"\n"),
    )
    .unwrap();
    let err = run("kind.toml");
    assert!(
        err.starts_with("dlpjet: kind.toml: upstreams[0].kind: line 6, column 8: unknown variant `gemini`"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
    std::fs::write(dir.path().join("nokey.toml"), vault).unwrap();
    assert_eq!(run("nokey.toml"), "dlpjet: vault: master key: DLPJET_VAULT_MASTER_KEY is not set\n");
    assert!(!dir.path().join("v.db").exists(), "no vault file is created without a key");
}

/// JSON prints confidences as text and JSON lines do (two decimals, not an `f32` widened to
/// `0.9900000095367432`), and text output under a policy shows each finding's action.
#[test]
fn confidences_have_two_decimals_and_text_shows_the_policy_action() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("in.txt");
    std::fs::write(&f, format!("card {CARD}\nmail {EMAIL}\n")).unwrap();
    for format in ["json", "sarif"] {
        let out = dlpjet().args(["scan", "--format", format]).arg(&f).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let shown: Vec<&str> = text.lines().filter_map(|l| l.split("\"confidence\": ").nth(1)).collect();
        assert!(!shown.is_empty(), "{text}");
        for c in shown {
            let decimals = c.trim_end_matches(',').split('.').nth(1).unwrap_or("");
            assert!(decimals.len() <= 2, "{format}: confidence {c}");
        }
    }
    let p = with_policy(d.path());
    let out = dlpjet().args(["scan", "--color", "never", "--policy"]).arg(&p).arg(&f).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l.contains("credit_card") && l.ends_with(") block")), "{text}");
    assert!(text.lines().any(|l| l.contains("email") && l.ends_with(") redact")), "{text}");
    // Without a policy the text line is as before.
    let out = dlpjet().args(["scan", "--color", "never"]).arg(&f).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).lines().all(|l| l.ends_with(')')));
}

/// `--in-place` through a symbolic link redacts the link's target and keeps the link; a file
/// with other hard links is refused, and nothing is written.
#[cfg(unix)]
#[test]
fn in_place_follows_symlinks_and_refuses_hard_links() {
    let d = tempfile::tempdir().unwrap();
    let target = d.path().join("data.txt");
    std::fs::write(&target, format!("card {CARD}\n")).unwrap();
    let link = d.path().join("link.txt");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = dlpjet().args(["redact", "--in-place"]).arg(&link).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "card [CREDIT_CARD]\n");
    let other = d.path().join("other.txt");
    std::fs::write(&other, format!("card {CARD}\n")).unwrap();
    let hard = d.path().join("hard.txt");
    std::fs::hard_link(&other, &hard).unwrap();
    let out = dlpjet().args(["redact", "--in-place"]).arg(&hard).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("2 hard links"), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(&other).unwrap(), format!("card {CARD}\n"));
    assert_eq!(std::fs::read_to_string(&hard).unwrap(), format!("card {CARD}\n"));
}

/// Temporary files of `--in-place` do not outlive their run: a signal removes the one being
/// written (and leaves the original as it was), and one left by a killed run (`kill -9`) is
/// removed by the next run in that directory.
#[cfg(target_os = "linux")]
#[test]
fn in_place_temporary_files_do_not_outlive_their_run() {
    let d = tempfile::tempdir().unwrap();
    let temps = |d: &Path| -> Vec<String> {
        std::fs::read_dir(d)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".dlpjet-redact-"))
            .collect()
    };
    // A stale file of a process that is gone, and one of a live process (this test's).
    std::fs::write(d.path().join(".dlpjet-redact-999999999-gone"), "raw").unwrap();
    let live = format!(".dlpjet-redact-{}-live", std::process::id());
    std::fs::write(d.path().join(&live), "raw").unwrap();
    let small = d.path().join("small.txt");
    std::fs::write(&small, format!("card {CARD}\n")).unwrap();
    dlpjet().args(["redact", "--in-place"]).arg(&small).assert().code(0);
    assert_eq!(temps(d.path()), std::slice::from_ref(&live));
    std::fs::remove_file(d.path().join(&live)).unwrap();
    // SIGTERM while a large file is being written.
    let big = d.path().join("big.txt");
    let text = format!("mail {EMAIL} and card {CARD} on a line\n").repeat(400_000);
    std::fs::write(&big, &text).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dlpjet"))
        .args(["redact", "--in-place"])
        .arg(&big)
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while temps(d.path()).is_empty() && started.elapsed() < std::time::Duration::from_secs(30) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(temps(d.path()).is_empty(), "{:?}", temps(d.path()));
    // Unless the run had already finished, it ended by the signal and the file is untouched.
    if status.code() != Some(0) {
        assert_eq!(status.code(), Some(143));
        assert_eq!(std::fs::read_to_string(&big).unwrap(), text);
    }
}

/// `policy check` validates a file without its runtime secrets: an unset pseudonym-key
/// variable is a warning naming where it is used; using the policy still requires it.
#[test]
fn policy_check_needs_no_runtime_secrets() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let policy = root.join("examples/policies/strict-pci-pii.toml");
    let out = dlpjet().args(["policy", "check"]).arg(&policy).env_remove("DLPJET_PSEUDONYM_KEY").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning:") && err.contains("DLPJET_PSEUDONYM_KEY is not set") && err.contains(".toml:"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("valid, 2 tenants"));
    let scan = dlpjet()
        .args(["scan", "--policy"])
        .arg(&policy)
        .env_remove("DLPJET_PSEUDONYM_KEY")
        .write_stdin("hello")
        .output()
        .unwrap();
    assert_eq!(scan.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&scan.stderr).contains("DLPJET_PSEUDONYM_KEY is not set"));
}

/// With `--audit-dir`, every change `vault` and `keys` make is one record of that log (never a
/// value); a log that cannot be opened stops the change before it is made.
#[test]
fn vault_and_keys_changes_are_audited() {
    let d = tempfile::tempdir().unwrap();
    let store = d.path().join("v.db");
    let audit = d.path().join("audit-admin");
    let init = dlpjet().args(["vault", "init", "--store"]).arg(&store).output().unwrap();
    let master = String::from_utf8(init.stdout).unwrap().trim().to_string();
    let run = |args: &[&str], stdin: &str| {
        let mut c = dlpjet();
        c.args(args)
            .arg("--store")
            .arg(&store)
            .arg("--audit-dir")
            .arg(&audit)
            .env("DLPJET_VAULT_MASTER_KEY", &master)
            .write_stdin(stdin.to_string());
        c.output().unwrap()
    };
    assert_eq!(
        run(&["vault", "put", "--tenant", "acme", "--id", "openai"], "sk-canary-audited-1").status.code(),
        Some(0)
    );
    let created = run(&["keys", "create", "--tenant", "acme", "--user", "ann"], "");
    assert_eq!(created.status.code(), Some(0));
    let key = String::from_utf8(created.stdout).unwrap().trim().to_string();
    let id = key.split('_').nth(2).unwrap().to_string();
    assert_eq!(run(&["keys", "revoke", "--tenant", "acme", "--id", &id], "").status.code(), Some(0));
    assert_eq!(run(&["vault", "revoke", "--tenant", "acme", "--id", "openai"], "").status.code(), Some(0));
    // Leasing an injected secret and reading the lease are both recorded, under the tenant.
    let put = run(&["vault", "put", "--tenant", "acme", "--id", "db", "--injected"], "pg-canary-audited-2");
    assert_eq!(put.status.code(), Some(0));
    let lease = run(&["vault", "lease", "--tenant", "acme", "--id", "db", "--holder", "ann", "--ttl", "60"], "");
    assert_eq!(lease.status.code(), Some(0));
    let lease_id = String::from_utf8(lease.stdout).unwrap().trim().to_string();
    let read = run(&["vault", "read-lease", &lease_id], "");
    assert_eq!((read.status.code(), &read.stdout[..]), (Some(0), &b"pg-canary-audited-2"[..]));
    let q = dlpjet().args(["audit", "query", "--format", "jsonl"]).arg(&audit).output().unwrap();
    assert_eq!(q.status.code(), Some(0), "{}", String::from_utf8_lossy(&q.stderr));
    let recs = jsonl(&q.stdout);
    let events: Vec<&serde_json::Value> = recs.iter().map(|r| &r["event"]).collect();
    let actions: Vec<&str> = events.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["vault_write", "key_issued", "key_revoked", "vault_write", "vault_write", "vault_read", "vault_read"],
        "{recs:?}"
    );
    assert_eq!(events[6]["details"]["operation"], "read-lease");
    assert_eq!(events[6]["details"]["holder"], "ann");
    assert!(events.iter().all(|e| e["tenant"] == "acme" && e["actor"].as_str().unwrap().starts_with("cli")));
    assert_eq!(events[1]["target"], format!("key {id}"));
    let text = String::from_utf8_lossy(&q.stdout);
    assert!(!text.contains("sk-canary-audited-1") && !text.contains("pg-canary-audited-2"), "{text}");
    assert!(!text.contains(&key), "{text}");
    assert_eq!(dlpjet().args(["audit", "verify"]).arg(&audit).output().unwrap().status.code(), Some(0));
    // A log that cannot be opened (here: a file where the directory should be) stops the change.
    let blocked = d.path().join("not-a-dir");
    std::fs::write(&blocked, "x").unwrap();
    let mut c = dlpjet();
    c.args(["vault", "put", "--tenant", "acme", "--id", "db2", "--store"])
        .arg(&store)
        .arg("--audit-dir")
        .arg(&blocked)
        .env("DLPJET_VAULT_MASTER_KEY", &master)
        .write_stdin("pg-canary");
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was changed"));
    let listed = run(&["vault", "list", "--tenant", "acme"], "");
    assert!(!String::from_utf8_lossy(&listed.stdout).contains("db2 "), "{}", String::from_utf8_lossy(&listed.stdout));
}

/// The findings of a large input are printed as it is read, not held until it ends: with the
/// reader of the output stalled, the scanning process's peak memory stays far below what its
/// findings take once rendered (here about 90 MB of text lines).
#[cfg(target_os = "linux")]
#[test]
fn findings_of_a_large_input_stream_out() {
    use std::io::Read;
    let d = tempfile::tempdir().unwrap();
    let big = d.path().join("emails.txt");
    let line = "a@b.io c@d.io e@f.io g@h.io i@j.io k@l.io m@n.io o@p.io\n";
    std::fs::write(&big, line.repeat(12 * 1024 * 1024 / line.len())).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dlpjet"))
        .args(["scan", "--color", "never", "-j", "1"])
        .arg(&big)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 4096];
    out.read_exact(&mut first).unwrap();
    // The output pipe fills and the scan waits for it; its peak memory so far is what it held.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let peak_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    let mut rest = Vec::new();
    out.read_to_end(&mut rest).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(1));
    let printed = first.len() + rest.len();
    assert!(printed > 60 << 20, "{printed} bytes of findings");
    assert!(peak_kb < 48 * 1024, "peak {peak_kb} kB while {printed} bytes of findings were printed");
}
