//! The literal lane: vendor token prefixes and secret keywords, found with one aho-corasick
//! automaton (its packed Teddy searcher does the skipping) and dispatched to their evaluators.

use crate::detect::catalog::Builtin;
use crate::detect::{self, Sink, Window};
use aho_corasick::{AhoCorasick, MatchKind};

/// How far before its literal a candidate may start (`https://` before `hooks.slack.com`).
pub(crate) const START_BACK: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    AwsId,
    Github,
    SlackToken,
    SlackWebhook,
    Stripe,
    Openai,
    Google,
    PrivateKey,
    Jwt,
    Keyword,
    DlpjetKey,
}

impl Kind {
    /// Bytes after the literal's start that its evaluator needs.
    fn reach(self) -> usize {
        match self {
            Kind::AwsId => 256,
            Kind::Github => 128,
            Kind::SlackToken => 300,
            Kind::SlackWebhook => 180,
            Kind::Stripe => 264,
            Kind::Openai => 336,
            Kind::Google => 64,
            Kind::PrivateKey => detect::private_key::MAX_BLOCK,
            Kind::Jwt => 2048 + 6144 + 1024 + 8,
            Kind::Keyword => 2 * 40 + 16 + detect::generic::MAX_VALUE + 2,
            Kind::DlpjetKey => crate::validate::apikey::KEY_LEN + 1,
        }
    }
}

const KEYWORDS: &[&str] = &[
    "password",
    "Password",
    "PASSWORD",
    "passwd",
    "Passwd",
    "PASSWD",
    "secret",
    "Secret",
    "SECRET",
    "token",
    "Token",
    "TOKEN",
    "apikey",
    "apiKey",
    "ApiKey",
    "APIKEY",
    "api_key",
    "Api_Key",
    "API_KEY",
    "api-key",
    "API-KEY",
    "access_key",
    "ACCESS_KEY",
    "accessKey",
    "AccessKey",
    "credential",
    "Credential",
    "CREDENTIAL",
    "private_key",
    "PRIVATE_KEY",
    "privateKey",
];

/// Where the literal lane resumes its search, across chunks, and the literals found whose
/// window is not complete yet.
#[derive(Clone, Debug, Default)]
pub(crate) struct LitCursor {
    /// Where the next search starts.
    from: usize,
    /// (anchor, pattern) of literals waiting for the rest of their window. The search goes on
    /// past them, so a private key waiting for its END line does not make the lane search the
    /// following bytes again on every chunk.
    pending: Vec<(usize, usize)>,
}

impl LitCursor {
    /// The first position whose literal may still be unhandled.
    pub fn next(&self) -> usize {
        self.pending.iter().map(|&(a, _)| a).fold(self.from, usize::min)
    }
}

#[derive(Debug)]
pub(crate) struct LiteralLane {
    ac: AhoCorasick,
    kinds: Vec<(Kind, usize)>,
    max_lit: usize,
}

/// Which literals a lane searches. Vendor prefixes and secret keywords are searched by two
/// automata: each stays small enough for aho-corasick's slim Teddy, which together beat one
/// large (fat Teddy) automaton.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Group {
    Tokens,
    Keywords,
}

impl LiteralLane {
    pub fn new(enabled: u32, group: Group) -> Option<LiteralLane> {
        let on = |b: Builtin| enabled & (1 << b.index()) != 0;
        let mut pats: Vec<&str> = Vec::new();
        let mut kinds = Vec::new();
        let mut add = |list: &[&'static str], k: Kind| {
            if (k == Kind::Keyword) != (group == Group::Keywords) {
                return;
            }
            for &p in list {
                pats.push(p);
                kinds.push((k, p.len()));
            }
        };
        if on(Builtin::AwsAccessKeyId) || on(Builtin::AwsSecretAccessKey) {
            add(
                &["AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "ASCA", "A3T"],
                Kind::AwsId,
            );
        }
        if on(Builtin::GithubToken) {
            add(&["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"], Kind::Github);
        }
        if on(Builtin::SlackToken) {
            add(&["xox", "xapp-"], Kind::SlackToken);
            add(&["hooks.slack.com/"], Kind::SlackWebhook);
        }
        if on(Builtin::StripeKey) {
            add(&["sk_live_", "rk_live_"], Kind::Stripe);
        }
        if on(Builtin::OpenaiKey) {
            add(&["sk-"], Kind::Openai);
        }
        if on(Builtin::GoogleApiKey) {
            add(&["AIza"], Kind::Google);
        }
        if on(Builtin::DlpjetApiKey) {
            add(&["dlpjet_live_"], Kind::DlpjetKey);
        }
        if on(Builtin::PrivateKey) {
            add(&["-----BEGIN "], Kind::PrivateKey);
        }
        if on(Builtin::Jwt) {
            add(&["eyJ"], Kind::Jwt);
        }
        if on(Builtin::GenericSecret) || on(Builtin::AwsSecretAccessKey) {
            add(KEYWORDS, Kind::Keyword);
        }
        if pats.is_empty() {
            return None;
        }
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&pats)
            .expect("built-in literals always compile");
        let max_lit = pats.iter().map(|p| p.len()).max().unwrap_or(1);
        Some(LiteralLane { ac, kinds, max_lit })
    }

    pub fn max_reach(&self) -> usize {
        self.kinds.iter().map(|(k, _)| k.reach()).max().unwrap_or(0)
    }

    /// Processes literals from the cursor on.
    ///
    /// The search is leftmost-first and non-overlapping (so aho-corasick can use Teddy). A
    /// match is taken only once `max_lit` bytes after its start are known, so a longer literal
    /// cut by the end of the chunk cannot be mistaken for a shorter one; when the search stops
    /// early it resumes where no match can have been skipped, so chunked and whole scans see
    /// the same matches. A match whose window is incomplete waits in the cursor's pending list
    /// while the search continues after it, exactly as a whole scan continues after it.
    pub fn run(&self, buf: &[u8], base: usize, eof: bool, cur: &mut LitCursor, sink: &mut Sink) {
        let end = base + buf.len();
        // Literals whose window has now arrived.
        let mut waiting = std::mem::take(&mut cur.pending);
        waiting.retain(|&(a, pid)| {
            if eof || a + self.kinds[pid].0.reach() <= end {
                self.eval(buf, base, a, pid, sink);
                false
            } else {
                true
            }
        });
        cur.pending = waiting;
        let mut last_end = cur.from;
        let input = aho_corasick::Input::new(buf).range(cur.from - base..buf.len());
        for m in self.ac.find_iter(input) {
            let a = base + m.start();
            let pid = m.pattern().as_usize();
            if !eof && a + self.max_lit > end {
                break;
            }
            if !eof && a + self.kinds[pid].0.reach() > end {
                cur.pending.push((a, pid));
            } else {
                self.eval(buf, base, a, pid, sink);
            }
            last_end = base + m.end();
        }
        cur.from = if eof { end } else { last_end.max((end + 1).saturating_sub(self.max_lit)) };
    }

    /// Judges the literal `pid` found at absolute offset `a`.
    fn eval(&self, buf: &[u8], base: usize, a: usize, pid: usize, sink: &mut Sink) {
        let (kind, len) = self.kinds[pid];
        let (w, ws) = Window::around(buf, base, a, kind.reach());
        sink.base = ws;
        match kind {
            Kind::AwsId => detect::tokens::aws_access_key_id(&w, len, sink),
            Kind::Github => detect::tokens::github(&w, len, sink),
            Kind::DlpjetKey => detect::tokens::dlpjet_key(&w, sink),
            Kind::SlackToken => detect::tokens::slack_token(&w, len, sink),
            Kind::SlackWebhook => detect::tokens::slack_webhook(&w, len, sink),
            Kind::Stripe => detect::tokens::stripe(&w, len, sink),
            Kind::Openai => detect::tokens::openai(&w, len, sink),
            Kind::Google => detect::tokens::google(&w, len, sink),
            Kind::PrivateKey => detect::private_key::eval(&w, len, sink),
            Kind::Jwt => detect::tokens::jwt(&w, sink),
            Kind::Keyword => detect::generic::eval(&w, len, sink),
        }
    }
}
