//! Probe: aho-corasick search speed for the literal lane's patterns under different settings.
use aho_corasick::{AhoCorasick, MatchKind};
use std::time::Instant;

fn main() {
    let hay = dlpjet_benches::mixed(16 << 20);
    let toks = [
        "AKIA",
        "ASIA",
        "ABIA",
        "ACCA",
        "AGPA",
        "AIDA",
        "AROA",
        "AIPA",
        "ANPA",
        "ANVA",
        "ASCA",
        "A3T",
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
        "github_pat_",
        "xox",
        "xapp-",
        "hooks.slack.com/",
        "sk_live_",
        "rk_live_",
        "sk-",
        "AIza",
        "-----BEGIN ",
        "eyJ",
    ];
    let kws = [
        "password",
        "Password",
        "PASSWORD",
        "passwd",
        "Passwd",
        "PASSWD",
        "pwd",
        "PWD",
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
    let all: Vec<&str> = toks.iter().chain(kws.iter()).copied().collect();
    for (name, pats) in [("tokens", toks.to_vec()), ("keywords", kws.to_vec()), ("all", all)] {
        for kind in [MatchKind::Standard, MatchKind::LeftmostFirst] {
            let ac = AhoCorasick::builder().match_kind(kind).build(&pats).unwrap();
            let t = Instant::now();
            let n = if kind == MatchKind::Standard {
                ac.find_overlapping_iter(&hay).count()
            } else {
                ac.find_iter(&hay).count()
            };
            println!("{name:<9} {kind:?} {:>6.0} MiB/s {n}", 16.0 / t.elapsed().as_secs_f64());
        }
    }
    let ac = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostFirst)
        .ascii_case_insensitive(true)
        .build([
            "password",
            "passwd",
            "pwd",
            "secret",
            "token",
            "apikey",
            "api_key",
            "api-key",
            "access_key",
            "accesskey",
            "credential",
            "private_key",
            "privatekey",
        ])
        .unwrap();
    let t = Instant::now();
    let n = ac.find_iter(&hay).count();
    println!("keywords-ci LeftmostFirst {:>6.0} MiB/s {n}", 16.0 / t.elapsed().as_secs_f64());
    let t = Instant::now();
    let n = memchr::memchr_iter(b'@', &hay).count();
    println!("memchr @ {:>6.0} MiB/s {n}", 16.0 / t.elapsed().as_secs_f64());
}
