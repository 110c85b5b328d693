# dlpjet: one entry point for people, the README and CI.
#
#   make scan    scan the bundled corpus and score the findings against its ground truth
#   make test    every check and test suite, installing what it needs on the way
#   make bench   the criterion benchmarks (minutes; figures go to BENCHMARKS.md)
#
# Set CARGO_TARGET_DIR to share one build between checkouts; nothing here assumes target/.

FUZZ_SECONDS ?= 45
export FUZZ_SECONDS

.PHONY: scan test bench fuzz

# The build is not -q: a cold one takes minutes, and cargo's progress shows it is working.
scan:
	cargo build --release -p dlpjet-cli
	cargo run --release -q -p dlpjet-cli -- scan --color never corpus/samples | head -n 12
	cargo run --release -q -p dlpjet-cli -- eval --min-f1 0.99 --no-negatives --truth corpus/samples/truth.jsonl

test:
	bash dev/test-all

bench:
	cargo bench -p dlpjet-benches --bench engine
	cargo run --release -q -p dlpjet-benches --bin throughput

fuzz:
	bash dev/test-all fuzz
