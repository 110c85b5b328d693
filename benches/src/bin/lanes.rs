//! Time per detector subset on the mixed corpus, to see which lane costs what.
//!
//! `cargo run --release -p dlpjet-benches --bin lanes`

use dlpjet::Scanner;
use std::time::Instant;

fn main() {
    let dense = std::env::args().any(|a| a == "--dense");
    let hay = if dense { dlpjet_benches::dense(16 << 20) } else { dlpjet_benches::mixed(16 << 20) };
    let sets: &[(&str, &[&str])] = &[
        ("digits", &["credit_card", "us_ssn", "phone", "ipv4", "iban"]),
        ("email", &["email"]),
        ("ipv6", &["ipv6"]),
        (
            "literals",
            &[
                "aws_access_key_id",
                "github_token",
                "slack_token",
                "stripe_key",
                "openai_key",
                "google_api_key",
                "private_key",
                "jwt",
            ],
        ),
        ("keywords", &["generic_secret", "aws_secret_access_key"]),
    ];
    for (name, ids) in sets {
        let s = Scanner::builder().only(ids.iter().copied()).build().unwrap();
        let mut best = f64::MAX;
        let mut n = 0;
        for _ in 0..3 {
            let t = Instant::now();
            n = s.scan(&hay).len();
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("{name:<10} {:>7.0} MiB/s  {n} findings", 16.0 / best);
    }
    let s = Scanner::new();
    let t = Instant::now();
    let n = s.scan(&hay).len();
    println!("{:<10} {:>7.0} MiB/s  {n} findings", "all", 16.0 / t.elapsed().as_secs_f64());
}
