#!/usr/bin/env python3
"""Finds modules that import each other, directly or through others, in every crate of dlpjet.

A module's imports are the other modules of its crate that it names by path: `crate::a::b`,
`super::x`, `self::y` (in `use` lines and in code). Items of a parent named from its child
(`super::Gateway`) count as imports of the parent; a parent that only declares a child
(`mod x;`) or re-exports its items (`pub use x::Item;`) does not import it. Test modules (`#[cfg(test)] mod tests { .. }` at the end of a
file) and `tests/` are left out: they may reach anything.

Prints each cycle found and exits 1; prints the number of modules checked and exits 0 otherwise.

    dev/import-loops.py [CRATE_SRC_DIR ...]   (default: every crate's src/ in the workspace)
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT = ["core/src", "policy/src", "audit/src", "vault/src", "gateway/src", "cli/src", "corpus/src",
           "bindings/c/src", "bindings/python/src", "bindings/node/src", "benches/src"]
PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
GROUP = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^;]*?)\}\s*;", re.S)


def module_of(src, path):
    """The module path of a file: `lib.rs`/`main.rs` -> (), `a/mod.rs` -> (a,), `a/b.rs` -> (a, b)."""
    rel = os.path.relpath(path, src)[:-3].split(os.sep)
    if rel[-1] in ("lib", "main", "mod"):
        rel = rel[:-1]
    return tuple(rel)


def strip(text):
    """The text without comments, string literals and a trailing test module."""
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r'r#*"(?:.|\n)*?"#*', '""', text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    cut = re.search(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text)
    text = text[: cut.start()] if cut else text
    # Re-exports (`pub use child::Item;`) make a facade, not a dependency.
    return re.sub(r"\bpub(?:\([a-z]+\))?\s+use\s[^;]*;", "", text)


def resolve(here, kind, segs, modules):
    """The module (of `modules`) that a path names, or None for one outside the crate."""
    if kind == "crate":
        base = ()
    elif kind == "self":
        base = here
    else:
        base = here
        while segs and segs[0] == "super":
            segs = segs[1:]
        base = here[:-1]
        # `super::super::x` in the path written as super then ::super
    path = list(base)
    best = tuple(base) if tuple(base) in modules else None
    for s in segs:
        if s == "super":
            path = path[:-1]
            best = tuple(path) if tuple(path) in modules else best
            continue
        path.append(s)
        if tuple(path) in modules:
            best = tuple(path)
        else:
            break
    return best


def edges_of(src):
    files = []
    for d, _, names in os.walk(src):
        files += [os.path.join(d, n) for n in names if n.endswith(".rs")]
    modules = {module_of(src, f): f for f in files}
    edges = {m: set() for m in modules}
    for m, f in modules.items():
        text = strip(open(f, encoding="utf-8").read())
        paths = []
        for g in GROUP.finditer(text):
            for part in re.split(r",", g.group(3)):
                head = part.strip().split("::")[0].split(" ")[0].strip("{} \n")
                if head and head != "self":
                    paths.append((g.group(1), g.group(2) + "::" + head))
                else:
                    paths.append((g.group(1), g.group(2)))
        paths += [(p.group(1), p.group(2)) for p in PATH.finditer(text)]
        # Paths relative to this module: `child::item` (and `use child::{..}`).
        children = {c[-1] for c in modules if len(c) == len(m) + 1 and c[: len(m)] == m}
        for c in children:
            for r in re.finditer(r"(?<![\w:])" + c + r"((?:::[A-Za-z_][A-Za-z0-9_]*)+|::\{)", text):
                paths.append(("self", "::" + c + (r.group(1) if not r.group(1).endswith("{") else "")))
        for kind, rest in paths:
            segs = [s for s in rest.split("::") if s]
            target = resolve(m, kind, segs, modules)
            if target is not None and target != m:
                edges[m].add(target)
    return modules, edges


def cycles(edges):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def name(src, m):
    return src + ("::" + "::".join(m) if m else " (root)")


def main():
    srcs = sys.argv[1:] or [d for d in DEFAULT if os.path.isdir(os.path.join(ROOT, d))]
    found, checked = 0, 0
    for src in srcs:
        modules, edges = edges_of(os.path.join(ROOT, src))
        checked += len(modules)
        for comp in cycles(edges):
            found += 1
            members = set(comp)
            links = [f"{name(src, a)} -> {name(src, b)}" for a in comp for b in sorted(edges[a]) if b in members]
            print(f"import loop in {src}: " + "; ".join(links))
    if found:
        print(f"{found} import loop(s)")
        return 1
    print(f"no import loops in {checked} modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
