#!/usr/bin/env bash
# Whole-process benchmarks of the dlpjet CLI, for BENCHMARKS.md:
#  1. `dlpjet scan` on a generated tree of many files, 1 thread vs 2 threads (hyperfine);
#  2. the same tree through ripgrep with an alternation of the equivalent patterns, and the
#     engine's own single-thread scan time over the same files (no process, no I/O);
#  3. peak RSS of `dlpjet redact` on a 2 GiB stream.
# Installs hyperfine and ripgrep from Debian's packages when missing. Loopback-free, bounded.
#
#   bash benches/cli.sh [DOCS]      (default 40000 documents, about 50 MiB)
set -euo pipefail
cd "$(dirname "$0")/.."
docs=${1:-40000}
if ! command -v hyperfine >/dev/null || ! command -v rg >/dev/null; then
    apt-get install -y -q hyperfine ripgrep >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q hyperfine ripgrep >/dev/null; }
fi
cargo build -q --release -p dlpjet-cli -p dlpjet-corpus -p dlpjet-benches
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin=$target/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/dlpjet-corpus" generate --seed 7 --docs "$docs" --rate 0.05 "$work/tree"
rm "$work/tree/truth.jsonl"
echo "tree: $(find "$work/tree" -type f | wc -l) files, $(du -sh --apparent-size "$work/tree" | cut -f1)"

# The baseline patterns as one alternation, for ripgrep (ASCII mode as in the Rust baseline).
cargo run -q --release -p dlpjet-benches --bin patterns > "$work/patterns.txt"
hyperfine -i --warmup 2 --runs 10 -N --export-markdown "$work/cli.md" \
    -n "dlpjet scan -j1" "$bin/dlpjet scan -j1 --format jsonl --no-progress $work/tree" \
    -n "dlpjet scan -j2" "$bin/dlpjet scan -j2 --format jsonl --no-progress $work/tree" \
    -n "rg -j1 (alternation)" "rg -j1 --no-unicode --count-matches --no-filename -f $work/patterns.txt $work/tree" \
    -n "rg -j2 (alternation)" "rg -j2 --no-unicode --count-matches --no-filename -f $work/patterns.txt $work/tree" \
    || true
cat "$work/cli.md"
echo
echo "engine only (same files, one thread, in process):"
"$bin/dlpjet-corpus" scan "$work/tree" 2>&1 >/dev/null | head -1 || true

# The same bytes as 1 MiB files: per-byte overhead without the per-file cost of tiny files.
mkdir "$work/big"
find "$work/tree" -type f | sort | xargs cat | split -b 1M - "$work/big/part-"
echo
echo "tree of 1 MiB files: $(find "$work/big" -type f | wc -l) files"
hyperfine -i --warmup 2 --runs 10 -N --export-markdown "$work/big.md" \
    -n "dlpjet scan -j1" "$bin/dlpjet scan -j1 --format jsonl --no-progress $work/big" \
    -n "dlpjet scan -j2" "$bin/dlpjet scan -j2 --format jsonl --no-progress $work/big" \
    -n "rg -j1 (alternation)" "rg -j1 --no-unicode --count-matches --no-filename -f $work/patterns.txt $work/big" \
    -n "rg -j2 (alternation)" "rg -j2 --no-unicode --count-matches --no-filename -f $work/patterns.txt $work/big" \
    >/dev/null || true
cat "$work/big.md"
echo "engine only (same files, one thread, in process):"
"$bin/dlpjet-corpus" scan "$work/big" 2>&1 >/dev/null | head -1 || true

echo
echo "dlpjet redact on a 2 GiB stream:"
cat corpus/samples/*.txt corpus/samples/*.json corpus/samples/*.env corpus/samples/*.log > "$work/block"
( while :; do cat "$work/block"; done ) | head -c $((2 << 30)) \
    | /usr/bin/time -f "peak RSS %M KiB, %e s wall" "$bin/dlpjet" redact > /dev/null
