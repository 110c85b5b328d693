//! The literal lane: vendor token prefixes and secret keywords, found with one aho-corasick
//! automaton (its packed Teddy searcher does the skipping) and dispatched to their evaluators.

use crate::detect::catalog::Builtin;
use crate::detect::{self, Sink, Window};
use aho_corasick::{AhoCorasick, MatchKind};

/// How far before its literal a candidate may start (`https://` before `hooks.slack.com`).
pub(crate) const START_BACK: usize = 8;

/// What may come before a Slack webhook's literal and belong to its finding.
const SCHEMES: [&[u8]; 2] = [b"https://", b"http://"];

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
    Anthropic,
    Groq,
    Huggingface,
    Xai,
    Sendgrid,
    Npm,
    Pypi,
    AzureStorage,
}

impl Kind {
    /// The automaton that searches for its literals. `npm_` is searched with the keywords: in
    /// the vendor automaton its arrival made that automaton's packed search 40% slower on mixed
    /// text (instructions per MiB; its buckets filled badly), about 5% of the whole scan; in
    /// the keywords' it costs nothing measurable.
    fn group(self) -> Group {
        match self {
            Kind::Keyword | Kind::Npm => Group::Keywords,
            _ => Group::Tokens,
        }
    }

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
            Kind::Anthropic
            | Kind::Groq
            | Kind::Huggingface
            | Kind::Xai
            | Kind::Sendgrid
            | Kind::Npm
            | Kind::AzureStorage => detect::provider_keys::REACH,
            Kind::Pypi => detect::provider_keys::PYPI_REACH,
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
    /// How many bytes before `from` a literal still to come may take into its finding (the
    /// part of a URL scheme the data ends with).
    from_back: usize,
}

impl LitCursor {
    /// The first position whose literal may still be unhandled.
    pub fn next(&self) -> usize {
        self.pending.iter().map(|&(a, _)| a).fold(self.from, usize::min)
    }

    /// The first position a candidate of this lane not yet found may start at.
    pub fn frontier(&self) -> usize {
        self.pending.iter().map(|&(a, _)| a.saturating_sub(START_BACK)).fold(self.from - self.from_back, usize::min)
    }
}

#[derive(Debug)]
pub(crate) struct LiteralLane {
    ac: AhoCorasick,
    kinds: Vec<(Kind, usize)>,
    max_lit: usize,
    /// The literals, sorted, for telling whether the end of a chunk may be the start of one.
    sorted: Vec<&'static [u8]>,
    /// Whether the lane has the Slack webhook literal (whose finding starts at its URL scheme).
    webhook: bool,
    /// Bytes that start a literal.
    first: [bool; 256],
    /// Pairs of bytes that start a literal (bit `a << 8 | b`), which rule out most positions
    /// at once.
    pairs: Box<[u64; 1024]>,
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
        let mut pats: Vec<&'static str> = Vec::new();
        let mut kinds = Vec::new();
        let mut add = |list: &[&'static str], k: Kind| {
            if k.group() != group {
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
        // Before OpenAI's `sk-`: at one position the first literal added wins.
        if on(Builtin::AnthropicKey) {
            add(&["sk-ant-api03-", "sk-ant-admin01-"], Kind::Anthropic);
        }
        if on(Builtin::OpenaiKey) {
            add(&["sk-"], Kind::Openai);
        }
        if on(Builtin::GroqKey) {
            add(&["gsk_"], Kind::Groq);
        }
        if on(Builtin::HuggingfaceToken) {
            add(&["hf_", "api_org_"], Kind::Huggingface);
        }
        if on(Builtin::XaiKey) {
            add(&["xai-"], Kind::Xai);
        }
        if on(Builtin::GoogleApiKey) {
            add(&["AIza"], Kind::Google);
        }
        if on(Builtin::SendgridKey) {
            add(&["SG."], Kind::Sendgrid);
        }
        if on(Builtin::NpmToken) {
            add(&["npm_"], Kind::Npm);
        }
        if on(Builtin::PypiToken) {
            add(&["pypi-AgE"], Kind::Pypi);
        }
        if on(Builtin::AzureStorageKey) {
            add(&["AccountKey="], Kind::AzureStorage);
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
        let mut first = [false; 256];
        for p in &pats {
            first[usize::from(p.as_bytes()[0])] = true;
        }
        let mut pairs = Box::new([0u64; 1024]);
        for p in &pats {
            if let [a, b, ..] = p.as_bytes() {
                let bit = usize::from(*a) << 8 | usize::from(*b);
                pairs[bit / 64] |= 1 << (bit % 64);
            }
        }
        let mut sorted: Vec<&'static [u8]> = pats.iter().map(|p| p.as_bytes()).collect();
        sorted.sort_unstable();
        let webhook = kinds.iter().any(|&(k, _)| k == Kind::SlackWebhook);
        Some(LiteralLane { ac, kinds, max_lit, sorted, first, pairs, webhook })
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
        let mut stopped = end;
        let input = aho_corasick::Input::new(buf).range(cur.from - base..buf.len());
        for m in self.ac.find_iter(input) {
            let a = base + m.start();
            let pid = m.pattern().as_usize();
            if !eof && a + self.max_lit > end {
                stopped = a;
                break;
            }
            if !eof && a + self.kinds[pid].0.reach() > end {
                cur.pending.push((a, pid));
            } else {
                self.eval(buf, base, a, pid, sink);
            }
            last_end = base + m.end();
        }
        // Resume at the first match not taken, or where the end of the data may be the
        // start of a literal; not before the last match taken (the search does not overlap).
        cur.from = if eof { end } else { last_end.max(stopped.min(self.partial_start(buf, base, end))) };
        cur.from_back = if eof { 0 } else { self.scheme_before(buf, base, cur.from) };
    }

    /// How many bytes before `at` are the start of a URL scheme that a Slack webhook literal
    /// at or after `at` would take into its finding (0 when the lane has no such literal).
    fn scheme_before(&self, buf: &[u8], base: usize, at: usize) -> usize {
        let before = &buf[..at - base];
        if !self.webhook || !before.last().is_some_and(|b| b"htps:/".contains(b)) {
            return 0;
        }
        (1..=START_BACK)
            .rev()
            .find(|&j| j <= before.len() && SCHEMES.iter().any(|s| s.len() >= j && before.ends_with(&s[..j])))
            .unwrap_or(0)
    }

    /// The first offset from which the data to `end` is a proper prefix of a literal (a
    /// literal the next chunk may complete), or `end` when there is none.
    fn partial_start(&self, buf: &[u8], base: usize, end: usize) -> usize {
        let from = (end + 1).saturating_sub(self.max_lit).max(base);
        (from..end)
            .find(|&p| {
                let tail = &buf[p - base..];
                let start = match tail {
                    [a] => self.first[usize::from(*a)],
                    [a, b, ..] => {
                        let bit = usize::from(*a) << 8 | usize::from(*b);
                        self.pairs[bit / 64] & (1 << (bit % 64)) != 0
                    }
                    [] => false,
                };
                // In sorted order, the first literal not below `tail` starts with it if any does.
                start && {
                    let i = self.sorted.partition_point(|l| *l < tail);
                    self.sorted.get(i).is_some_and(|l| l.len() > tail.len() && l.starts_with(tail))
                }
            })
            .unwrap_or(end)
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
            Kind::Anthropic => detect::provider_keys::anthropic(&w, len, sink),
            Kind::Groq => detect::provider_keys::groq(&w, len, sink),
            Kind::Huggingface => detect::provider_keys::huggingface(&w, len, sink),
            Kind::Xai => detect::provider_keys::xai(&w, len, sink),
            Kind::Sendgrid => detect::provider_keys::sendgrid(&w, len, sink),
            Kind::Npm => detect::provider_keys::npm(&w, len, sink),
            Kind::Pypi => detect::provider_keys::pypi(&w, len, sink),
            Kind::AzureStorage => detect::provider_keys::azure_storage(&w, len, sink),
        }
    }
}
