//! Prints the explanation of every candidate in the text given as the first argument.
//!
//! `cargo run -p dlpjet --example explain -- "card 4111 1111 1111 1112"`

fn main() {
    let text = std::env::args().nth(1).unwrap_or_default();
    for e in dlpjet::Scanner::new().explain(text.as_bytes()) {
        println!("{}", e.describe(text.as_bytes()));
    }
}
