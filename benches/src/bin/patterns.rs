//! Prints the baseline patterns one per line, for `rg -f` in `benches/cli.sh` (ripgrep joins
//! them into one alternation).

fn main() {
    for p in dlpjet_benches::BASELINE_PATTERNS {
        println!("{}", p.trim_start_matches("(?-u)"));
    }
}
