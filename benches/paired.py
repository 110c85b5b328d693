#!/usr/bin/env python3
"""Paired timing of whole processes on a shared, noisy machine.

The commands run in turn, round after round, so that a slow spell of the machine falls on all of
them alike; the figures are the median wall time of each command over the rounds and the median
of the per-round ratios against the first command. A command whose name starts with "engine:"
is a program that prints its own time in milliseconds on stdout (benches' `enginescan`), which
is used instead of its wall time.

    python3 benches/paired.py [--ratio "[K*]NAME / NAME" ...] ROUNDS NAME=COMMAND [NAME=COMMAND ...]

Output: a Markdown table (command, median ms, median ratio to the first command), then for each
`--ratio` the median over the rounds of that round's ratio of the two commands' times, times K
when given (e.g. `--ratio "dlpjet -j1 / dlpjet -j2"` for the speed-up of two threads).
"""
import shlex
import statistics
import subprocess
import sys
import time


def once(name, cmd):
    # Output goes to /dev/null, as with hyperfine; only the engine baseline's figure is read.
    out = subprocess.PIPE if name.startswith("engine:") else subprocess.DEVNULL
    t = time.perf_counter()
    p = subprocess.run(shlex.split(cmd), stdout=out, stderr=subprocess.DEVNULL)
    wall = (time.perf_counter() - t) * 1e3
    if p.returncode not in (0, 1):
        sys.exit(f"{name}: exit code {p.returncode}: {cmd}")
    if name.startswith("engine:"):
        return float(p.stdout.decode().split()[0])
    return wall


def main():
    args = sys.argv[1:]
    pairs = []
    while args and args[0] == "--ratio":
        if len(args) < 2 or args[1].count(" / ") != 1:
            sys.exit('--ratio takes one argument, "[K*]NAME / NAME" (names around " / ")')
        num, den = args[1].split(" / ")
        factor = 1.0
        if "*" in num and num.split("*", 1)[0].replace(".", "").isdigit():
            factor, num = num.split("*", 1)
            factor = float(factor)
        pairs.append((args[1], factor, num.strip(), den.strip()))
        args = args[2:]
    if not args or not args[0].isdigit():
        sys.exit(__doc__)
    rounds = int(args[0])
    cmds = [a.split("=", 1) for a in args[1:]]
    names = {name for name, _ in cmds}
    for label, _, num, den in pairs:
        for name in (num, den):
            if name not in names:
                sys.exit(f"--ratio {label!r}: no command named {name!r}")
    for name, cmd in cmds:  # warm-up: page cache, binaries
        once(name, cmd)
    times = {name: [] for name, _ in cmds}
    for _ in range(rounds):
        for name, cmd in cmds:
            times[name].append(once(name, cmd))
    base = cmds[0][0]
    print("| command | median ms | ratio to first (median per round) |")
    print("|---|---|---|")
    for name, _ in cmds:
        ratios = [t / b for t, b in zip(times[name], times[base])]
        print(f"| {name} | {statistics.median(times[name]):.1f} | {statistics.median(ratios):.3f} |")
    if pairs:
        print()
        print("| ratio | median per round |")
        print("|---|---|")
    for label, factor, num, den in pairs:
        ratios = [factor * n / d for n, d in zip(times[num], times[den])]
        print(f"| {label} | {statistics.median(ratios):.3f} |")


if __name__ == "__main__":
    main()
