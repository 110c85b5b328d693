#!/usr/bin/env bash
# Whole-process benchmarks of the dlpjet CLI, for BENCHMARKS.md:
#  1. `dlpjet scan` on a generated tree of many files, and on the same bytes as 1 MiB files,
#     1 thread vs 2 threads;
#  2. the same tree through ripgrep with an alternation of the equivalent patterns, and the
#     engine's own single-thread time over the same files (in memory; reading each file; and
#     as a whole process that lists, reads and scans them), and how far the library's own work
#     on those files scales to two threads and to two processes (benches' `scaling`);
#     all in paired rounds (benches/paired.py), medians and median ratios;
#  3. peak RSS of `dlpjet redact` on a 2 GiB stream.
# Installs ripgrep from Debian's packages when missing. Loopback-free, bounded.
#
#   bash benches/cli.sh [DOCS]      (default 40000 documents, about 50 MiB)
set -euo pipefail
cd "$(dirname "$0")/.."
docs=${1:-40000}
if ! command -v rg >/dev/null; then
    apt-get install -y -q ripgrep >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q ripgrep >/dev/null; }
fi
cargo build -q --release -p dlpjet-cli -p dlpjet-corpus -p dlpjet-benches --bins
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin=$target/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/dlpjet-corpus" generate --seed 7 --docs "$docs" --rate 0.05 "$work/tree"
rm "$work/tree/truth.jsonl"
echo "tree: $(find "$work/tree" -type f | wc -l) files, $(du -sh --apparent-size "$work/tree" | cut -f1)"

# The baseline patterns as one alternation, for ripgrep (ASCII mode as in the Rust baseline).
cargo run -q --release -p dlpjet-benches --bin patterns > "$work/patterns.txt"

# The same bytes as 1 MiB files: per-byte overhead without the per-file cost of tiny files.
mkdir "$work/big"
find "$work/tree" -type f | sort | xargs cat | split -b 1M - "$work/big/part-"

# Paired rounds (benches/paired.py): every command runs once per round, in turn, so the machine's
# slow spells fall on all of them alike. "engine:scan" is the engine's own single-thread time over
# the files already in memory; "engine:read+scan" reads each file and scans it (the least any
# program scanning these files with the library does, timed inside the program). "engine process"
# is the smallest whole program over the library (start, build the scanner, list the tree, read
# and scan each file, print a count), timed from outside like dlpjet: the whole-process baseline
# for the CLI's overhead. "2 × dlpjet -j1 at once" runs two independent one-thread scans side
# by side: twice its ratio to "dlpjet scan -j1" over its own is how well this machine's two
# cores scale at that moment (shared hosts often fall short of 2×), the ceiling for "-j2".
# "engine:library ..." (benches' `scaling`) is the library's own work on the same files split
# between two workers decided up front, timed inside the program without the listing: how far
# opening, reading and scanning alone scale here, in threads as dlpjet's workers are, and in
# processes. Output goes to /dev/null.
for dir in tree big; do
    echo
    echo "$dir: $(find "$work/$dir" -type f | wc -l) files"
    python3 benches/paired.py \
        --ratio "dlpjet scan -j1 / dlpjet scan -j2" \
        --ratio "2*dlpjet scan -j1 / 2 × dlpjet -j1 at once" \
        --ratio "dlpjet scan -j1 / engine process" \
        --ratio "dlpjet scan -j1 / engine:scan" \
        --ratio "rg -j1 (alternation) / rg -j2 (alternation)" \
        --ratio "rg -j2 (alternation) / dlpjet scan -j2" \
        --ratio "engine:library, 1 thread / engine:library, 2 threads" \
        --ratio "engine:library, 1 process / engine:library, 2 processes" \
        "${ROUNDS:-15}" \
        "engine:scan=$bin/enginescan $work/$dir 1" \
        "engine:read+scan=$bin/enginescan $work/$dir 1 read" \
        "engine process=$bin/enginescan $work/$dir 1 process" \
        "dlpjet scan -j1=$bin/dlpjet scan -j1 --format jsonl --no-progress $work/$dir" \
        "dlpjet scan -j2=$bin/dlpjet scan -j2 --format jsonl --no-progress $work/$dir" \
        "2 × dlpjet -j1 at once=sh -c '$bin/dlpjet scan -j1 --format jsonl --no-progress $work/$dir >/dev/null & $bin/dlpjet scan -j1 --format jsonl --no-progress $work/$dir >/dev/null; wait'" \
        "rg -j1 (alternation)=rg -j1 --no-unicode --count-matches --no-filename -f $work/patterns.txt $work/$dir" \
        "rg -j2 (alternation)=rg -j2 --no-unicode --count-matches --no-filename -f $work/patterns.txt $work/$dir" \
        "engine:library, 1 thread=$bin/scaling $work/$dir 1 threads" \
        "engine:library, 2 threads=$bin/scaling $work/$dir 2 threads" \
        "engine:library, 1 process=$bin/scaling $work/$dir 1 processes" \
        "engine:library, 2 processes=$bin/scaling $work/$dir 2 processes"
done

echo
echo "dlpjet redact on a 2 GiB stream:"
cat corpus/samples/*.txt corpus/samples/*.json corpus/samples/*.env corpus/samples/*.log > "$work/block"
# The producer ignores SIGPIPE and stops when `head` has had its 2 GiB, so the pipeline (and the
# script, under pipefail) ends with status 0.
( trap '' PIPE; while cat "$work/block" 2>/dev/null; do :; done ) | head -c $((2 << 30)) \
    | /usr/bin/time -f "peak RSS %M KiB, %e s wall" "$bin/dlpjet" redact > /dev/null
