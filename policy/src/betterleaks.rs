//! The Betterleaks extensions of the gitleaks rule format: CEL `filter` expressions, `validate`
//! blocks, composite rules (`required`, `skipReport`) and the file-wide `prefilter`/`filter`.
//!
//! A rule's `filter` is an expression that drops a finding when true. The forms rule sets use
//! almost everywhere are translated: a disjunction of
//! * `entropy(finding["secret"]) <= N` (or `<`) — the entropy validator (kept above N, or at
//!   N and above);
//! * `matchesAny(finding["secret"], [regexes])` — an allowlist of those regexes on the secret;
//! * `containsAny(finding["secret"], [strings])` — an allowlist of those substrings;
//!
//! each optionally written `filter.…`. Any other term is left out and reported by rule id:
//! leaving a drop condition out can only report more, never less.

/// What a rule's `filter` expression became.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Filter {
    /// The least entropy a secret must have (bits per byte).
    pub entropy: Option<f32>,
    /// Regexes (Go syntax, as written) whose match on the secret drops it.
    pub allow_regexes: Vec<String>,
    /// Substrings (exact case) whose presence in the secret drops it.
    pub allow_substrings: Vec<String>,
    /// Terms that could not be translated, as written (on one line).
    pub left_out: Vec<String>,
}

/// Translates a filter expression.
pub(crate) fn filter(expr: &str) -> Filter {
    let mut f = Filter::default();
    let code = strip_comments(expr);
    // `let name = …;` bindings come first; the terms that use them are reported below.
    let statements = split_top(&code, ";");
    let (body, bindings) = statements.split_last().expect("split gives one part at least");
    if let Some(b) = bindings.iter().find(|b| !b.trim_start().starts_with("let ")) {
        f.left_out.push(b.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    let mut terms = Vec::new();
    disjuncts(body, &mut terms);
    for t in terms {
        if !translate(t, &mut f) {
            f.left_out.push(t.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    f
}

/// The terms of a disjunction, nested ones (`a || (b || c)`) flattened.
fn disjuncts<'a>(code: &'a str, out: &mut Vec<&'a str>) {
    let parts = split_top(strip_parens(code.trim()), "||");
    if parts.len() == 1 {
        out.push(strip_parens(parts[0].trim()));
        return;
    }
    for p in parts {
        disjuncts(p, out);
    }
}

/// Adds one term to `f`; false when it is not a form this module knows.
fn translate(t: &str, f: &mut Filter) -> bool {
    let t = t.strip_prefix("filter.").unwrap_or(t);
    const SECRET: &str = "finding[\"secret\"]";
    if let Some(rest) = t.strip_prefix("entropy(") {
        let Some(rest) = rest.trim_start().strip_prefix(SECRET).and_then(|r| r.trim_start().strip_prefix(')')) else {
            return false;
        };
        let rest = rest.trim();
        let (inclusive, num) = match (rest.strip_prefix("<="), rest.strip_prefix('<')) {
            (Some(n), _) => (true, n),
            (None, Some(n)) => (false, n),
            _ => return false,
        };
        let Ok(n) = num.trim().parse::<f32>() else { return false };
        // Dropped at or below N keeps what is above it: the next value up.
        let min = if inclusive { f32::from_bits(n.to_bits() + 1) } else { n };
        f.entropy = Some(f.entropy.map_or(min, |e| e.max(min)));
        return true;
    }
    for (call, literal) in [("matchesAny(", false), ("containsAny(", true)] {
        let Some(rest) = t.strip_prefix(call) else { continue };
        let Some(rest) = rest.trim_start().strip_prefix(SECRET).and_then(|r| r.trim_start().strip_prefix(',')) else {
            return false;
        };
        let Some(list) = rest.trim().strip_suffix(')').map(str::trim) else { return false };
        let Some(items) = string_list(list) else { return false };
        if literal {
            f.allow_substrings.extend(items);
        } else {
            f.allow_regexes.extend(items);
        }
        return true;
    }
    false
}

/// The strings of a CEL list literal (`[`…`, "…"]`), or `None` when it is something else.
fn string_list(list: &str) -> Option<Vec<String>> {
    let inner = list.strip_prefix('[')?.strip_suffix(']')?;
    let mut out = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let Some(q) = chars.next() else { return Some(out) };
        let mut s = String::new();
        match q {
            '`' => {
                for c in chars.by_ref() {
                    if c == '`' {
                        break;
                    }
                    s.push(c);
                }
            }
            '"' | '\'' => loop {
                match chars.next()? {
                    '\\' => match chars.next()? {
                        'n' => s.push('\n'),
                        't' => s.push('\t'),
                        c => s.push(c),
                    },
                    c if c == q => break,
                    c => s.push(c),
                }
            },
            _ => return None,
        }
        out.push(s);
    }
}

/// `s` without `//` comments (outside strings).
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut quote = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                out.push(c);
                if let Some(n) = chars.next() {
                    out.push(n);
                }
                continue;
            }
            (None, '`' | '"' | '\'') => quote = Some(c),
            (None, '/') if chars.peek() == Some(&'/') => {
                while chars.peek().is_some_and(|&n| n != '\n') {
                    chars.next();
                }
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// `s` without parentheses that enclose all of it.
fn strip_parens(mut s: &str) -> &str {
    while s.starts_with('(') && s.ends_with(')') && depth_ok(&s[1..s.len() - 1]) {
        s = s[1..s.len() - 1].trim();
    }
    s
}

/// Each byte of `s` that stands outside strings (backtick, double- or single-quoted; `\"`
/// escapes in double quotes) with the bracket depth before it, and the depth after the last.
fn code_bytes(s: &str) -> (Vec<(usize, i32)>, i32) {
    let (mut out, mut depth, mut quote) = (Vec::new(), 0i32, None);
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => i += 1,
            (Some(_), _) => {}
            (None, '`' | '"' | '\'') => quote = Some(c),
            (None, _) => {
                out.push((i, depth));
                match c {
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' => depth -= 1,
                    _ => {}
                }
            }
        }
        i += 1;
    }
    (out, depth)
}

/// Whether brackets balance in `s` (outside strings), never closing more than were opened.
fn depth_ok(s: &str) -> bool {
    let (bytes, end) = code_bytes(s);
    end == 0 && bytes.iter().all(|&(_, d)| d >= 0)
}

/// `s` split at `sep` where it stands outside brackets and strings.
fn split_top<'a>(s: &'a str, sep: &str) -> Vec<&'a str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, depth) in code_bytes(s).0 {
        // Bytes, not `&s[i..]`: `i` may be inside a multi-byte character.
        if depth == 0 && i >= start && s.as_bytes()[i..].starts_with(sep.as_bytes()) {
            parts.push(&s[start..i]);
            start = i + sep.len();
        }
    }
    parts.push(&s[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_bounds_keep_what_the_filter_would_keep() {
        assert_eq!(filter("entropy(finding[\"secret\"]) < 3.5\n").entropy, Some(3.5));
        let e = filter("filter.entropy(finding[\"secret\"]) <= 3.0").entropy.unwrap();
        assert!(e > 3.0 && e < 3.0001);
        assert!(filter("entropy(finding[\"secret\"]) <= 3.0").left_out.is_empty());
    }

    #[test]
    fn secret_lists_become_allowlist_regexes_and_the_rest_is_reported() {
        let f = filter(
            "entropy(finding[\"secret\"]) <= 3.0\n|| matchesAny(finding[\"secret\"], [\n  `^mdb_sa_sk_[0-9]{4}$`,\n  \"x\\\\.y\"\n])\n|| containsAny(finding[\"secret\"], [\"a.b\"])\n|| !matchesAny(finding[\"secret\"], [`[0-9]`])\n|| matchesAny((attributes[\"path\"] ?? \"\"), [`\\.md$`])",
        );
        assert_eq!(f.allow_regexes, [r"^mdb_sa_sk_[0-9]{4}$", r"x\.y"]);
        assert_eq!(f.allow_substrings, ["a.b"]);
        assert_eq!(
            f.left_out,
            ["!matchesAny(finding[\"secret\"], [`[0-9]`])", "matchesAny((attributes[\"path\"] ?? \"\"), [`\\.md$`])"]
        );
    }

    #[test]
    fn a_wrapped_file_filter_and_comments_are_read() {
        let f = filter("(matchesAny(finding[\"secret\"], [\n  `(?i)^true|false|null$`, // booleans\n]) || containsAny(finding[\"secret\"], [\n  \"abcdefghijklmnopqrstuvwxyz\"\n]))");
        assert_eq!(f.allow_regexes, ["(?i)^true|false|null$"]);
        assert_eq!(f.allow_substrings, ["abcdefghijklmnopqrstuvwxyz"]);
        assert!(f.left_out.is_empty());
        // Nested disjunctions are flattened.
        let n = filter("x(1) || (containsAny(finding[\"secret\"], [\"ab\"]) || y(2))");
        assert_eq!((n.allow_substrings.len(), n.left_out.len()), (1, 2));
        // `let` bindings before the expression: the terms that do not use them still count.
        // Text outside strings that is not ASCII is left out, not a panic.
        let u = filter("größe(finding[\"secret\"]) > 1 || entropy(finding[\"secret\"]) < 3");
        assert_eq!((u.entropy, u.left_out.len()), (Some(3.0), 1));
        let l = filter("let ctx = finding[\"line\"];\nentropy(finding[\"secret\"]) < 3.5 || ctx.size() > 2");
        assert_eq!((l.entropy, l.left_out.len()), (Some(3.5), 1));
        let g = filter("let x = finding[\"match\"];\nx.size() > 3");
        assert_eq!(g.left_out, ["x.size() > 3"]);
        assert_eq!(g.entropy, None);
    }
}
