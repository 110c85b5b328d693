//! The README's sample output of `make scan` is what the commands print: every line of that
//! block (but the `...` elisions) is a line of a real run on the committed samples.

use assert_cmd::Command;
use std::path::Path;

#[test]
fn the_readme_sample_output_is_real() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let intro = "`make scan` prints the first findings and the per-detector table:";
    let after = &readme[readme.find(intro).expect("the README shows make scan's output") + intro.len()..];
    let block = after.split("```").nth(1).expect("a code block follows");
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("dlpjet").unwrap().current_dir(&root).args(args).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let real = run(&["scan", "--color", "never", "corpus/samples"])
        + &run(&["eval", "--min-f1", "0.99", "--no-negatives", "--truth", "corpus/samples/truth.jsonl"]);
    let lines: Vec<&str> = real.lines().collect();
    for shown in block.lines().map(str::trim_end).filter(|l| !l.is_empty() && *l != "...") {
        assert!(lines.contains(&shown), "README line not in a real run: {shown:?}");
    }
}
