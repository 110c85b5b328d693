//! The committed header equals what cbindgen generates from the sources, so the header shipped
//! to C programs can never drift from the library. `DLPJET_BLESS=1 cargo test -p dlpjet-c --test
//! header` rewrites it after an intended change.

use std::path::PathBuf;

#[test]
fn committed_header_is_what_cbindgen_generates() {
    // Cargo sets CARGO_MANIFEST_DIR when it runs the test; the value compiled in names the
    // checkout the binary was built in, which differs when clones share a target directory.
    let dir = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from);
    let dir = dir.as_path();
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml reads");
    let bindings =
        cbindgen::Builder::new().with_crate(dir).with_config(config).generate().expect("cbindgen generates the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let path = dir.join("include/dlpjet.h");
    if std::env::var_os("DLPJET_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("header written");
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/dlpjet.h differs from what cbindgen generates; run DLPJET_BLESS=1 cargo test -p dlpjet-c --test header"
    );
}

/// A stream that releases nothing gives `*out` NULL with length 0; the header says so for both
/// calls, since a naive `memcpy(dst, out, 0)` from NULL is undefined behaviour in C.
#[test]
fn the_header_documents_null_output() {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from);
    let header = std::fs::read_to_string(dir.join("include/dlpjet.h")).expect("the header reads");
    for f in ["dlpjet_stream_push", "dlpjet_stream_finish"] {
        let at = header.find(&format!(" {f}(")).unwrap_or_else(|| panic!("{f} is declared"));
        // The comment block above the declaration: from the blank line before it.
        let doc = &header[header[..at].rfind("\n\n").expect("documented")..at];
        assert!(doc.contains("NULL") && doc.contains("before copying"), "{f}: {doc}");
    }
}
