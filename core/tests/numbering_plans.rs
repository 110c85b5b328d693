//! The numbering-plan table in `core/src/detect/numbering_plan/plans.rs` is generated from
//! libphonenumber's metadata (through the `phonenumber` crate, a dev-dependency so the engine
//! does not carry its deserialiser). This test fails when the two differ; to regenerate after
//! a metadata update:
//!
//! ```sh
//! DLPJET_REGENERATE=1 cargo test -p dlpjet --test numbering_plans
//! ```

use phonenumber::metadata::DATABASE;
use std::fmt::Write;

const TABLE: &str = "src/detect/numbering_plan/plans.rs";

/// A pattern as libphonenumber reads it: the XML's layout whitespace removed.
fn pattern(xml: &str) -> String {
    xml.chars().filter(|c| !c.is_whitespace()).collect()
}

fn render() -> String {
    let mut rows: Vec<(u16, bool, String, Vec<u16>, String)> = DATABASE
        .iter()
        .map(|m| {
            let d = m.descriptors();
            // libphonenumber leaves the general description's lengths out of its XML and
            // derives them from the number types', as here.
            let types = [
                d.fixed_line(),
                d.mobile(),
                d.toll_free(),
                d.premium_rate(),
                d.shared_cost(),
                d.personal_number(),
                d.voip(),
                d.pager(),
                d.uan(),
                d.voicemail(),
            ];
            let mut lengths: Vec<u16> = d.general().possible_length().to_vec();
            lengths.extend(types.iter().flatten().flat_map(|t| t.possible_length().iter().copied()));
            lengths.sort_unstable();
            lengths.dedup();
            (
                m.country_code(),
                !m.is_main_country_for_code(),
                m.id().to_string(),
                lengths,
                pattern(d.general().national_number().as_str()),
            )
        })
        .filter(|r| !r.4.is_empty() && r.4 != "NA")
        .collect();
    // By code, the main region of a code first (the US of +1): most numbers fit it.
    rows.sort();
    let mut out = String::from(
        "//! Generated from libphonenumber's metadata by `core/tests/numbering_plans.rs`; do not edit.\n\
         //! Regenerate with `DLPJET_REGENERATE=1 cargo test -p dlpjet --test numbering_plans`.\n\n\
         /// (calling code, region, possible lengths of the national significant number, the\n\
         /// pattern every national significant number of the region matches), by calling code;\n\
         /// a code's main region first (its pattern is checked first).\n\
         #[rustfmt::skip]\n\
         pub(super) const PLANS: &[(u16, &str, &[u8], &str)] = &[\n",
    );
    for (code, _, id, lengths, pattern) in rows {
        assert!(!pattern.contains('"'), "{id}: {pattern}");
        let lengths: Vec<String> = lengths.iter().map(u16::to_string).collect();
        writeln!(out, "    ({code}, \"{id}\", &[{}], r\"{pattern}\"),", lengths.join(", ")).unwrap();
    }
    out.push_str("];\n");
    out
}

#[test]
fn the_table_is_libphonenumbers_metadata() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(TABLE);
    let want = render();
    if std::env::var_os("DLPJET_REGENERATE").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{TABLE} differs from the metadata of the phonenumber crate; regenerate it with \
         DLPJET_REGENERATE=1 cargo test -p dlpjet --test numbering_plans"
    );
}
