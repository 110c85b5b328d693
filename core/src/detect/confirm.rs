//! An anchored confirmation engine for a custom regex that a lane checks only at given starts
//! (see [`Starts`](super::starts::Starts)): a forward NFA, its lazy DFA, anchored only, to say
//! whether a match starts there and where it ends, and for the groups of the few that have
//! them a one-pass DFA (built at the first such match), a backtracker or a PikeVM. It is much
//! lighter to build than the meta engine (no reverse NFA, no prefilter), which counts when an
//! imported rule set compiles hundreds of regexes.

use regex_automata::dfa::onepass;
use regex_automata::hybrid::dfa::{Cache as DfaCache, DFA};
use regex_automata::nfa::thompson::backtrack::{BoundedBacktracker, Cache as BackCache};
use regex_automata::nfa::thompson::pikevm::{Cache as PikeCache, PikeVM};
use regex_automata::nfa::thompson::{self, NFA};
use regex_automata::util::captures::Captures;
use regex_automata::util::pool::Pool;
use regex_automata::util::primitives::NonMaxUsize;
use regex_automata::{Anchored, Input};
use regex_syntax::hir::Hir;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::OnceLock;

/// Per-thread scratch space of a [`Confirm`].
#[derive(Debug)]
struct Caches {
    dfa: Option<DfaCache>,
    one: Option<onepass::Cache>,
    back: BackCache,
    pike: PikeCache,
    caps: Captures,
}

type MakeCaches = Box<dyn Fn() -> Caches + Send + Sync + UnwindSafe + RefUnwindSafe>;

/// A regex compiled to confirm anchored matches.
pub(crate) struct Confirm {
    dfa: Option<DFA>,
    /// Resolves the groups of a match when the pattern allows it (one state at a time: the
    /// quickest). Built at the first match with groups: most rules of an imported set never
    /// confirm one in a given text, and it is the dearest part to build.
    onepass: OnceLock<Option<onepass::DFA>>,
    /// Resolves them otherwise (quick on the short matches a lane confirms).
    backtrack: BoundedBacktracker,
    /// Resolves them when the window is too long for the backtracker's memory.
    pikevm: PikeVM,
    /// Capture groups, the whole match included.
    groups: usize,
    pool: Pool<Caches, MakeCaches>,
}

impl std::fmt::Debug for Confirm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Confirm").field("groups", &self.captures_len()).finish_non_exhaustive()
    }
}

impl Confirm {
    /// Compiles `hir` with at most `nfa_limit` bytes of NFA. `Err` is the compiler's message.
    pub fn new(hir: &Hir, nfa_limit: usize) -> Result<Confirm, String> {
        // One compiler per thread, reused: a fresh one allocates and clears its UTF-8 state
        // tables (tens of kilobytes) for each of an imported rule set's hundreds of regexes.
        thread_local! {
            static COMPILER: std::cell::RefCell<thompson::Compiler> = std::cell::RefCell::new(thompson::Compiler::new());
        }
        let nfa: NFA = COMPILER.with(|c| {
            let mut c = c.borrow_mut();
            let built = c.configure(thompson::Config::new().nfa_size_limit(Some(nfa_limit))).build_from_hir(hir);
            built.map_err(|e| e.to_string())
        })?;
        // A Unicode word boundary makes the lazy DFA give up beside non-ASCII bytes (the PikeVM
        // then decides); a pattern it cannot take at all is confirmed by the PikeVM alone.
        let dfa = DFA::builder().configure(DFA::config().unicode_word_boundary(true)).build_from_nfa(nfa.clone()).ok();
        let backtrack = BoundedBacktracker::new_from_nfa(nfa.clone()).map_err(|e| e.to_string())?;
        let pikevm = PikeVM::new_from_nfa(nfa).map_err(|e| e.to_string())?;
        let (d, b, p) = (dfa.clone(), backtrack.clone(), pikevm.clone());
        let make: MakeCaches = Box::new(move || Caches {
            dfa: d.as_ref().map(DFA::create_cache),
            one: None,
            back: b.create_cache(),
            pike: p.create_cache(),
            caps: p.create_captures(),
        });
        let groups = pikevm.get_nfa().group_info().group_len(regex_automata::PatternID::ZERO);
        Ok(Confirm { dfa, onepass: OnceLock::new(), backtrack, pikevm, groups, pool: Pool::new(make) })
    }

    /// Capture groups, the whole match (group 0) included.
    pub fn captures_len(&self) -> usize {
        self.groups
    }

    /// Whether the regex matches the empty string.
    pub fn matches_empty(&self) -> bool {
        let mut c = self.pool.get();
        let Caches { pike, .. } = &mut *c;
        self.pikevm.is_match(pike, Input::new(""))
    }

    /// The match that starts exactly where `input`'s range starts (and ends within it), handed
    /// to `found` with its groups; `None` when there is none.
    pub fn at<R>(&self, input: Input<'_>, found: impl FnOnce(&Captures) -> R) -> Option<R> {
        let mut input = input.anchored(Anchored::Yes);
        let mut c = self.pool.get();
        let Caches { dfa, one, back, pike, caps } = &mut *c;
        // Most starts hold no match: the lazy DFA says so, and for the others where the match
        // ends, so the groups are resolved over the match alone. It gives up on what it cannot
        // decide (a Unicode word boundary next to a non-ASCII byte); the NFA engines then do.
        if let (Some(d), Some(cache)) = (&self.dfa, dfa.as_mut()) {
            match d.try_search_fwd(cache, &input) {
                Ok(None) => return None,
                Ok(Some(end)) if self.groups == 1 => {
                    // No group to resolve: the match is the anchored start to where the DFA
                    // says it ends (a PEM block of kilobytes is not walked again).
                    caps.set_pattern(Some(regex_automata::PatternID::ZERO));
                    let slots = caps.slots_mut();
                    slots[0] = NonMaxUsize::new(input.start());
                    slots[1] = NonMaxUsize::new(end.offset());
                    return Some(found(caps));
                }
                Ok(Some(end)) => input.set_end(end.offset()),
                Err(_) => {}
            }
        }
        let onepass = self.onepass.get_or_init(|| onepass::DFA::new_from_nfa(self.pikevm.get_nfa().clone()).ok());
        if let Some(o) = onepass {
            let cache = one.get_or_insert_with(|| o.create_cache());
            if o.try_search(cache, &input, caps).is_ok() {
                return caps.is_match().then(|| found(caps));
            }
        }
        if self.backtrack.try_search(back, &input, caps).is_err() {
            self.pikevm.search(pike, &input, caps);
        }
        caps.is_match().then(|| found(caps))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn confirm(p: &str) -> Confirm {
        Confirm::new(&regex_syntax::Parser::new().parse(p).unwrap(), 1 << 20).unwrap()
    }

    #[test]
    fn confirms_anchored_matches_with_their_groups() {
        let c = confirm(r"tok_([a-z]{4})\b");
        assert_eq!(c.captures_len(), 2);
        assert!(!c.matches_empty());
        let hay = "x tok_abcd tok_abcde";
        let span = |at: usize| c.at(Input::new(hay).range(at..), |caps| caps.get_group(1).map(|s| s.range()));
        assert_eq!(span(2), Some(Some(6..10)));
        // Not at a start the match does not begin at, nor one that breaks the pattern.
        assert_eq!(span(1), None);
        assert_eq!(span(11), None);
        // A Unicode word boundary beside non-ASCII text: the PikeVM decides.
        let u = confirm(r"\bkey\b");
        assert!(u.at(Input::new("é key é").range(3..), |_| ()).is_some());
        assert!(u.at(Input::new("ékey").range(2..), |_| ()).is_none());
        assert!(confirm(r"a*").matches_empty());
        // Without groups, the lazy DFA's end is the match.
        let pem = confirm(r"(?s)-----BEGIN [A-Z ]{0,20}KEY-----.{4,}?-----END");
        assert_eq!(pem.captures_len(), 1);
        let hay = "x -----BEGIN RSA KEY-----abcdef-----END-----END";
        assert_eq!(pem.at(Input::new(hay).range(2..), |caps| caps.get_match().map(|m| m.range())), Some(Some(2..39)));
        assert_eq!(pem.at(Input::new(hay).range(3..), |_| ()), None);
    }
}
