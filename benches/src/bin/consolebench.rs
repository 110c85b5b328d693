//! The console on a long audit log: how long the activity page takes to render, first and after
//! each filter change, over HTTP against a running gateway; how long the index takes to build;
//! and whether an idle console changes the API's latency.
//!
//!   consolebench [RECORDS] [ROUNDS]        (defaults: 1000000 records, 30 rounds)
//!
//! It writes RECORDS audit records (four tenants, `acme` with 70% of them; 60 users; the actions,
//! detectors, models and statuses of real traffic) spread over 60 days, starts two gateways on
//! loopback — one with the console, one without — signs in through a one-time link, then times
//! each page ROUNDS times in turn (medians and 95th percentiles), and `GET /v1/models` with an
//! API key on both gateways, alternating.

use dlpjet_audit::{format_rfc3339, AuditEvent, AuditLog, DetectorResult, Durability, EventAction, Options};
use dlpjet_gateway::audit_record::{GatewayRecord, SECTION};
use dlpjet_gateway::console::Store;
use dlpjet_vault::{MasterKey, Role, Vault};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("a port").local_addr().expect("an address").port()
}

/// One GET or POST; returns the status, the headers and the body.
fn http(addr: SocketAddr, method: &str, path: &str, cookie: Option<&str>, auth: Option<&str>) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(c) = cookie {
        req.push_str(&format!("Cookie: dlpjet_console={c}\r\n"));
    }
    if let Some(a) = auth {
        req.push_str(&format!("Authorization: Bearer {a}\r\n"));
    }
    if method == "POST" {
        req.push_str("Content-Length: 0\r\n");
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).expect("write");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn write_log(dir: &Path, n: usize, keys: &[String]) {
    let log = AuditLog::open(dir, Options { durability: Durability::GroupCommit, ..Options::default() }).expect("log");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_micros() as i64;
    let span = 60 * 86_400_000_000_i64;
    let detectors = ["credit_card", "email", "aws_access_key", "us_ssn", "phone", "iban", "private_key", "jwt"];
    let models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet", "claude-haiku", "llama-3"];
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let mut rand = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..n {
        let r = rand();
        let tenant = match r % 10 {
            0..=6 => "acme",
            7 => "globex",
            8 => "initech",
            _ => "umbrella",
        };
        let action = match (r >> 8) % 100 {
            0..=79 => EventAction::Allow,
            80..=91 => EventAction::Redact,
            92..=94 => EventAction::Tokenize,
            95..=96 => EventAction::Warn,
            _ => EventAction::Block,
        };
        let user = format!("user{}@example.com", (r >> 16) % 60);
        let key = &keys[((r >> 24) % keys.len() as u64) as usize];
        let mut e = AuditEvent::new(tenant, action)
            .actor(format!("key:{key}"))
            .target("/v1/chat/completions")
            .detail("user", user);
        e.time = format_rfc3339(now - span + (i as i64) * (span / n as i64));
        if action != EventAction::Allow {
            e.dlp.push(DetectorResult {
                detector: detectors[((r >> 32) % detectors.len() as u64) as usize].into(),
                count: 1 + ((r >> 40) % 3) as usize,
                action: action.as_str().into(),
                offsets: vec![[12, 28]],
                fingerprints: vec!["5f1c2a9be07d44e1".into()],
            });
        }
        let g = GatewayRecord {
            model: Some(models[((r >> 44) % models.len() as u64) as usize].into()),
            provider: Some("openai".into()),
            input_tokens: Some(200 + (r >> 48) % 800),
            output_tokens: Some(50 + (r >> 52) % 400),
            cost: Some(0.0004),
            status: Some(if action == EventAction::Block { 403 } else { 200 }),
            client_ip: Some("10.1.2.3".into()),
            user_agent: Some("openai-python/1.40".into()),
            request_id: Some(format!("gw-1-{i:x}")),
            latency_ms: Some(120.0),
        };
        e = e.section(SECTION, g.section().expect("section"));
        log.append_queued(&e).expect("append");
    }
    log.close().expect("close");
}

fn start(dir: &Path, name: &str, console: Option<u16>) -> SocketAddr {
    let api = free_port();
    let mut config = format!(
        "listen = \"127.0.0.1:{api}\"\ninstance = \"{name}\"\n[vault]\npath = \"vault.db\"\nmaster_key_file = \"master.key\"\n\
         [audit]\ndir = \"audit-{name}\"\nwait_for_commit = false\n[rate_limits]\nper_ip = {{ requests_per_minute = 10000000 }}\n"
    );
    if let Some(c) = console {
        config.push_str(&format!("[console]\nlisten = \"127.0.0.1:{c}\"\n"));
    }
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, config).expect("config");
    std::thread::spawn(move || {
        if let Err(e) = dlpjet_gateway::run(path) {
            eprintln!("consolebench: gateway stopped: {e}");
            std::process::exit(2);
        }
    });
    let addr: SocketAddr = format!("127.0.0.1:{}", console.unwrap_or(api)).parse().expect("address");
    while TcpStream::connect(addr).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    // The console answers at once and builds its index in the background: ready once its
    // health check says so.
    if console.is_some() {
        while http(addr, "GET", "/healthz", None, None).0 != 200 {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    format!("127.0.0.1:{api}").parse().expect("address")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(30);
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let master: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11));
    std::fs::write(d.join("master.key"), master.iter().map(|b| format!("{b:02x}")).collect::<String>()).expect("key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d.join("master.key"), std::fs::Permissions::from_mode(0o600)).expect("mode");
    }
    let vault = Vault::create(d.join("vault.db"), &[MasterKey::from_bytes(master)]).expect("vault");
    let issued: Vec<_> = (0..20)
        .map(|i| {
            vault.issue_key("acme", &format!("user{i}@example.com"), Role::Member, None, &BTreeMap::new()).expect("key")
        })
        .collect();
    let api_key = issued[0].key.to_string();
    let ids: Vec<String> = issued.iter().map(|k| k.info.id.clone()).collect();
    drop(vault);
    let t = Instant::now();
    write_log(&d.join("audit-with"), n, &ids);
    println!("{n} records written in {:.1} s", t.elapsed().as_secs_f64());

    let console_port = free_port();
    let t = Instant::now();
    let with = start(d, "with", Some(console_port));
    println!("gateway with console up, index built, in {:.1} s", t.elapsed().as_secs_f64());
    let without = start(d, "without", None);
    let console: SocketAddr = format!("127.0.0.1:{console_port}").parse().expect("address");

    let token = Store::open(&d.join("console.db"))
        .expect("state")
        .invite("owner@example.com", "acme", Role::Owner, Duration::from_secs(600))
        .expect("invite");
    let (status, head, _) = http(console, "POST", &format!("/invite/{token}"), None, None);
    assert_eq!(status, 303, "sign-in");
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: dlpjet_console="))
        .and_then(|v| v.split(';').next())
        .expect("cookie")
        .to_string();

    let day = |ago: i64| {
        format_rfc3339(
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_micros() as i64
                - ago * 86_400_000_000,
        )[..10]
            .to_string()
    };
    let pages: Vec<(&str, String)> = vec![
        ("sign-in page (no session, no index)", "/sign-in".into()),
        ("first render", "/activity?tenant=acme".into()),
        ("action = block", "/activity?tenant=acme&action=block".into()),
        ("user", "/activity?tenant=acme&user=user7%40example.com".into()),
        ("detector", "/activity?tenant=acme&detector=us_ssn".into()),
        ("model", "/activity?tenant=acme&model=llama-3".into()),
        ("status = 403", "/activity?tenant=acme&status=403".into()),
        ("three days", format!("/activity?tenant=acme&from={}&to={}", day(30), day(28))),
        ("user + action", "/activity?tenant=acme&user=user7%40example.com&action=block".into()),
        ("detector + user", "/activity?tenant=acme&detector=iban&user=user3%40example.com".into()),
        ("no match", "/activity?tenant=acme&model=none".into()),
        ("overview, 30 days", "/overview?tenant=acme".into()),
        ("keys (last use of 20 keys)", "/keys?tenant=acme".into()),
    ];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); pages.len()];
    let mut cursor_path = None;
    for _ in 0..rounds {
        for (i, (_, p)) in pages.iter().enumerate() {
            let t = Instant::now();
            let (status, _, body) = http(console, "GET", p, Some(&cookie), None);
            times[i].push(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(status, 200, "{p}");
            if i == 1 && cursor_path.is_none() {
                cursor_path = body.find("&amp;after=").map(|at| {
                    let rest = &body[at + 11..];
                    format!("/activity?tenant=acme&after={}", &rest[..rest.find('"').unwrap_or(0)])
                });
            }
        }
    }
    println!("\n| page ({n} records) | median ms | p95 ms |\n|---|---|---|");
    for ((name, _), t) in pages.iter().zip(&mut times) {
        let med = percentile(t, 0.5);
        println!("| {name} | {med:.1} | {:.1} |", percentile(t, 0.95));
    }
    if let Some(p) = cursor_path {
        let mut t: Vec<f64> = (0..rounds)
            .map(|_| {
                let s = Instant::now();
                assert_eq!(http(console, "GET", &p, Some(&cookie), None).0, 200);
                s.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        println!("| next page | {:.1} | {:.1} |", percentile(&mut t, 0.5), percentile(&mut t, 0.95));
    }

    // The API with an idle console and without one, alternating.
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..2000 {
        for (addr, out) in [(with, &mut a), (without, &mut b)] {
            let t = Instant::now();
            assert_eq!(http(addr, "GET", "/v1/models", None, Some(&api_key)).0, 200);
            out.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    println!(
        "\nGET /v1/models, 2000 each, alternating: with an idle console median {:.0} µs p95 {:.0} µs; without {:.0} µs p95 {:.0} µs",
        percentile(&mut a, 0.5),
        percentile(&mut a, 0.95),
        percentile(&mut b, 0.5),
        percentile(&mut b, 0.95)
    );
}
