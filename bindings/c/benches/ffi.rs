//! What the C ABI costs on top of the Rust call: a 100-byte buffer scanned through
//! `dlpjet_scan` (caller-owned result buffer, the cheapest way from C) against the same scan in
//! Rust (`Tenant::scanner(..).scan` plus the policy's action per finding), with and without a
//! finding in the buffer. Both use the default policy.
//!
//!   cargo bench -p dlpjet-c --bench ffi

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use dlpjet_c::*;
use dlpjet_policy::{Direction, PolicySet};
use std::hint::black_box;

const POLICY: &str = "version = 1\n[default]\ndefault_action = \"redact\"\n";

fn inputs() -> [(&'static str, Vec<u8>); 2] {
    let mut clean = b"The quarterly report is attached; please review the figures before Monday's call".to_vec();
    clean.resize(100, b'.');
    let mut card = b"Customer asked to update the card on file to 4111 1111 1111 1111 before the renewal".to_vec();
    card.resize(100, b'.');
    [("clean", clean), ("one_card", card)]
}

fn ffi(c: &mut Criterion) {
    let set = PolicySet::from_toml(POLICY, None).unwrap();
    let tenant = set.tenant("default").unwrap().clone();
    let mut scanner = std::ptr::null_mut();
    // SAFETY: the policy pointer and length describe POLICY; `scanner` is writable.
    let st = unsafe {
        dlpjet_scanner_new(POLICY.as_ptr().cast(), POLICY.len(), std::ptr::null(), &mut scanner, std::ptr::null_mut())
    };
    assert_eq!(st, DLPJET_OK);
    let mut g = c.benchmark_group("ffi/scan_100_bytes");
    for (name, text) in inputs() {
        g.bench_function(format!("rust/{name}"), |b| {
            b.iter(|| {
                let found = tenant.scanner(Direction::Inbound).scan(black_box(&text));
                found.iter().filter_map(|f| tenant.action_for(f)).count()
            })
        });
        let mut out = [dlpjet_finding::EMPTY; 16];
        g.bench_function(format!("c_abi/{name}"), |b| {
            b.iter(|| {
                let mut count = 0;
                // SAFETY: `scanner` is live, `text` and `out` are valid for their lengths.
                let st = unsafe {
                    dlpjet_scan(
                        scanner,
                        DLPJET_INBOUND,
                        black_box(text.as_ptr()),
                        text.len(),
                        out.as_mut_ptr(),
                        out.len(),
                        &mut count,
                        std::ptr::null_mut(),
                    )
                };
                assert_eq!(st, DLPJET_OK);
                count
            })
        });
        g.bench_function(format!("c_abi_alloc/{name}"), |b| {
            b.iter_batched(
                || (),
                |()| {
                    let mut res = std::ptr::null_mut();
                    // SAFETY: as above; the result is freed once.
                    unsafe {
                        dlpjet_scan_alloc(
                            scanner,
                            DLPJET_INBOUND,
                            black_box(text.as_ptr()),
                            text.len(),
                            &mut res,
                            std::ptr::null_mut(),
                        );
                        let n = dlpjet_findings_len(res);
                        dlpjet_findings_free(res);
                        n
                    }
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
    // SAFETY: created above, freed once.
    unsafe { dlpjet_scanner_free(scanner) };
}

criterion_group!(benches, ffi);
criterion_main!(benches);
