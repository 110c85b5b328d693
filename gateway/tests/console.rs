//! The web console, end to end over HTTP against a running gateway: bootstrap sign-in, the
//! activity table (filters, paging, detail, exports), keys created and revoked (the API
//! refuses a revoked key at once), the policy "try it" box, every route as each role and as
//! another tenant's member, forged CSRF tokens, tampered and expired sessions, sign-in rate
//! limits, and that no planted raw value appears in any response.

use dlpjet_audit::{format_rfc3339, AuditEvent, AuditLog, DetectorResult, EventAction, Options};
use dlpjet_gateway::audit_record::{GatewayRecord, SECTION};
use dlpjet_gateway::console::Store;
use dlpjet_vault::{Delivery, MasterKey, Role, Scope, Vault};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// Values that must never come back from the console.
const CARD: &str = "4111111111111111";
const PROVIDER_SECRET: &str = "sk-PLANTED-provider-secret-0123456789abcdef";

const USERS: [&str; 3] = ["ana@example.com", "bo@example.com", "carl@example.com"];

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One HTTP response.
#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A minimal HTTP/1.1 client (one request per connection, chunked bodies decoded).
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: Option<&str>,
    auth: Option<&str>,
) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(c) = cookie {
        req.push_str(&format!("Cookie: dlpjet_console={c}\r\n"));
    }
    if let Some(a) = auth {
        req.push_str(&format!("Authorization: Bearer {a}\r\n"));
    }
    let body = form.unwrap_or("");
    if form.is_some() {
        req.push_str(&format!("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let mut rest = raw[split + 4..].to_vec();
    if headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")) {
        let mut out = Vec::new();
        let mut i = 0;
        loop {
            let eol = i + rest[i..].windows(2).position(|w| w == b"\r\n").unwrap();
            let n = usize::from_str_radix(std::str::from_utf8(&rest[i..eol]).unwrap().trim(), 16).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + n]);
            i = eol + 2 + n + 2;
        }
        rest = out;
    }
    Resp { status, headers, body: String::from_utf8_lossy(&rest).into_owned() }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The value of hidden input `csrf` on a page.
fn csrf(page: &str) -> String {
    let at = page.find(r#"name="csrf" value=""#).expect("a CSRF field") + r#"name="csrf" value=""#.len();
    page[at..at + page[at..].find('"').unwrap()].to_string()
}

/// The session cookie a response sets.
fn session(r: &Resp) -> String {
    let c = r.header("set-cookie").expect("a session cookie");
    assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax"), "{c}");
    c.strip_prefix("dlpjet_console=").unwrap().split(';').next().unwrap().to_string()
}

/// Every seq of the activity table on a page.
fn seqs(page: &str) -> Vec<u64> {
    page.match_indices(r#"<tr data-seq=""#)
        .map(|(i, m)| {
            let s = &page[i + m.len()..];
            s[..s.find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

struct World {
    _dir: tempfile::TempDir,
    api: SocketAddr,
    console: SocketAddr,
    state: std::path::PathBuf,
    /// Records per (tenant, user, action): what filters must find.
    counts: BTreeMap<(String, String, String), usize>,
    bo_key: String,
}

/// A vault with keys and a provider secret, an audit log of `n` records over 20 days for two
/// tenants, and a gateway with its console, running on a thread of its own.
fn world(n: usize) -> World {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let master: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11));
    std::fs::write(d.join("master.key"), master.iter().map(|b| format!("{b:02x}")).collect::<String>()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d.join("master.key"), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let vault = Vault::create(d.join("vault.db"), &[MasterKey::from_bytes(master)]).unwrap();
    vault.put("acme", "openai", Scope::Tenant, Delivery::Proxied, PROVIDER_SECRET.as_bytes()).unwrap();
    let bo_key = vault.issue_key("acme", USERS[1], Role::Member, None, &BTreeMap::new()).unwrap();
    let ana_key = vault.issue_key("acme", USERS[0], Role::Owner, None, &BTreeMap::new()).unwrap();
    drop(vault);
    dlpjet_audit::write_key_pair(&d.join("audit.key")).unwrap();
    let signing = dlpjet_audit::read_signing_key(&d.join("audit.key")).unwrap();
    let o = Options { checkpoint_key: Some(signing), checkpoint_every: 500, ..Options::default() };
    let log = AuditLog::open(d.join("audit"), o).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_micros() as i64;
    let actions = [EventAction::Allow, EventAction::Redact, EventAction::Block, EventAction::Allow];
    let mut counts = BTreeMap::new();
    for i in 0..n {
        let tenant = if i % 4 == 3 { "globex" } else { "acme" };
        let user = USERS[i % 3];
        let key = if user == USERS[1] { &bo_key.info.id } else { &ana_key.info.id };
        let action = actions[(i / 3) % 4];
        let mut e = AuditEvent::new(tenant, action)
            .actor(format!("key:{key}"))
            .target("/v1/chat/completions")
            .detail("user", user);
        e.time = format_rfc3339(now - (n - i) as i64 * 20 * 86_400_000_000 / n as i64);
        if action != EventAction::Allow {
            e.dlp.push(DetectorResult {
                detector: if i % 2 == 0 { "credit_card".into() } else { "aws_access_key".into() },
                count: 1 + i % 3,
                action: action.as_str().into(),
                offsets: vec![[10, 26]],
                fingerprints: vec!["0123456789abcdef0123".into()],
            });
        }
        let g = GatewayRecord {
            model: Some(if i % 5 == 0 { "gpt-4o".into() } else { "claude".into() }),
            status: Some(if action == EventAction::Block { 403 } else { 200 }),
            cost: Some(0.001),
            input_tokens: Some(100),
            client_ip: Some("10.0.0.7".into()),
            user_agent: Some("sdk/1.0".into()),
            ..GatewayRecord::default()
        };
        e = e.section(SECTION, g.section().unwrap());
        log.append(&e).unwrap();
        *counts.entry((tenant.to_string(), user.to_string(), action.as_str().to_string())).or_insert(0) += 1;
    }
    log.close().unwrap();
    let (api, console) = (free_port(), free_port());
    let config = format!(
        "listen = \"127.0.0.1:{api}\"\n[vault]\npath = \"vault.db\"\nmaster_key_file = \"master.key\"\n[audit]\ndir = \"audit\"\ncheckpoint_key_file = \"audit.key\"\ncheckpoint_every = 500\n\
         [console]\nlisten = \"127.0.0.1:{console}\"\nsign_in_per_minute = 8\n"
    );
    std::fs::write(d.join("gateway.toml"), config).unwrap();
    let path = d.join("gateway.toml");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let r = dlpjet_gateway::run(path);
        let _ = tx.send(format!("{r:?}"));
    });
    let console: SocketAddr = format!("127.0.0.1:{console}").parse().unwrap();
    let t = Instant::now();
    while TcpStream::connect(console).is_err() {
        if let Ok(e) = rx.try_recv() {
            panic!("the gateway stopped: {e}");
        }
        assert!(t.elapsed() < Duration::from_secs(60), "the console did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The console answers at once; its index of the log is built in the background.
    while http(console, "GET", "/healthz", None, None, None).status != 200 {
        assert!(t.elapsed() < Duration::from_secs(60), "the activity index was not built");
        std::thread::sleep(Duration::from_millis(50));
    }
    World {
        api: format!("127.0.0.1:{api}").parse().unwrap(),
        console,
        state: d.join("console.db"),
        counts,
        bo_key: bo_key.key.to_string(),
        _dir: dir,
    }
}

/// Signs `email` in as `role` of `tenant` through a fresh link; returns the session id.
fn sign_in(w: &World, email: &str, tenant: &str, role: Role) -> String {
    let token = Store::open(&w.state).unwrap().invite(email, tenant, role, Duration::from_secs(600)).unwrap();
    let page = http(w.console, "GET", &format!("/invite/{token}"), None, None, None);
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("<script>"), "no inline script");
    let r = http(w.console, "POST", &format!("/invite/{token}"), None, Some(""), None);
    assert_eq!(r.status, 303, "{}", r.body);
    session(&r)
}

#[test]
fn the_console_end_to_end() {
    let w = world(3000);
    let seen = std::cell::RefCell::new(Vec::<String>::new());
    let get = |path: &str, cookie: &str| {
        let r = http(w.console, "GET", path, Some(cookie), None, None);
        seen.borrow_mut().push(r.body.clone());
        r
    };
    // Signed out: pages redirect to the sign-in page; a used link does not work twice.
    let r = http(w.console, "GET", "/activity", None, None, None);
    assert_eq!((r.status, r.header("location")), (303, Some("/sign-in")));
    let ana = sign_in(&w, USERS[0], "acme", Role::Owner);

    // Activity: newest first, 50 a page, paging without overlap, the headers.
    let p1 = get("/activity?tenant=acme", &ana);
    assert_eq!(p1.status, 200);
    let csp = p1.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(p1.header("x-frame-options"), Some("DENY"));
    let first = seqs(&p1.body);
    assert_eq!(first.len(), 50);
    assert!(first.windows(2).all(|w| w[0] > w[1]), "newest first");
    let older = &p1.body[p1.body.find(r#"id="older""#).map(|i| p1.body[..i].rfind("href=\"").unwrap() + 6).unwrap()..];
    let older = older[..older.find('"').unwrap()].replace("&amp;", "&");
    let p2 = get(&older, &ana);
    let second = seqs(&p2.body);
    assert_eq!(second.len(), 50);
    assert!(second[0] < *first.last().unwrap(), "page 2 goes on where page 1 stopped");

    // Filters on the server: action, user, detector, dates; a malformed one says what is wrong.
    let blocks = get("/activity?tenant=acme&action=block", &ana);
    assert!(blocks.body.matches("action action-block").count() == 50 && !blocks.body.contains("action-allow"));
    let bo_rows = get(&format!("/activity?tenant=acme&user={}", enc(USERS[1])), &ana);
    assert_eq!(bo_rows.body.matches(&format!("<td>{}</td>", USERS[1])).count(), 50);
    let bad = get("/activity?tenant=acme&from=2026-13-45", &ana);
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("from &quot;2026-13-45&quot;: a date"), "{}", bad.body);
    let bad = get("/activity?tenant=acme&action=explode", &ana);
    assert_eq!(bad.status, 400);
    let future = get("/activity?tenant=acme&from=2099-01-01", &ana);
    assert!(future.body.contains("No records match."));

    // Exports of the current filter: every matching record, newest first.
    let want: usize = w.counts.iter().filter(|((t, _, a), _)| t == "acme" && a == "block").map(|(_, n)| n).sum();
    let jsonl = get("/activity.jsonl?tenant=acme&action=block", &ana);
    assert_eq!(jsonl.status, 200);
    assert_eq!(jsonl.body.lines().count(), want);
    assert!(jsonl.body.lines().all(|l| l.contains(r#""action":"block""#) && l.contains(r#""tenant":"acme""#)));
    let csv = get("/activity.csv?tenant=acme&action=block", &ana);
    assert_eq!(csv.body.lines().count(), want + 1, "a header and the rows");
    assert!(csv.body.starts_with("seq,time,tenant,"));

    // A record's detail; another tenant's record is refused.
    let generated = *first.iter().find(|&&s| s < 3000).unwrap();
    let own = get(&format!("/activity/{generated}?tenant=acme"), &ana);
    assert_eq!(own.status, 200);
    assert!(own.body.contains("10.0.0.7") && own.body.contains("sdk/1.0"));
    let globex_seq = 3; // i % 4 == 3
    assert_eq!(get(&format!("/activity/{globex_seq}?tenant=acme"), &ana).status, 403);
    assert_eq!(get("/activity/1?tenant=globex", &ana).status, 403, "not a member of globex");

    // The log verifies, with its last signed checkpoint checked against the key.
    let r = get("/verify?tenant=acme", &ana);
    assert_eq!(r.status, 303);
    let status = get("/activity?tenant=acme", &ana);
    let line = &status.body[status.body.find(r#"id="log-status""#).unwrap()..];
    assert!(
        line.contains("Verified: ") && line.contains("last signed checkpoint: ") && line.contains("signature verified"),
        "{}",
        &line[..300]
    );

    // The overview draws charts on the server.
    let ov = get("/overview?tenant=acme", &ana);
    assert_eq!(ov.status, 200);
    assert!(ov.body.matches("<svg").count() >= 4 && ov.body.contains("credit_card"));

    // Keys: create one (shown once), use it, revoke it, refused at once.
    let keys = get("/keys?tenant=acme", &ana);
    assert!(keys.body.contains(r#"data-secret="openai""#) && !keys.body.contains(PROVIDER_SECRET));
    let token = csrf(&keys.body);
    let made = http(
        w.console,
        "POST",
        "/keys",
        Some(&ana),
        Some(&format!("csrf={token}&tenant=acme&user={}&role=member&days=30", enc(USERS[2]))),
        None,
    );
    assert_eq!(made.status, 200, "{}", made.body);
    let at = made.body.find(r#"id="new-key">"#).unwrap() + r#"id="new-key">"#.len();
    let new_key = made.body[at..at + made.body[at..].find('<').unwrap()].to_string();
    assert!(new_key.starts_with("dlpjet_live_"));
    assert_eq!(http(w.api, "GET", "/v1/models", None, None, Some(&new_key)).status, 200);
    let listed = get("/keys?tenant=acme", &ana);
    assert!(!listed.body.contains(&new_key), "shown once");
    let id = &new_key["dlpjet_live_".len().."dlpjet_live_".len() + new_key[12..].find('_').unwrap()];
    let r = http(
        w.console,
        "POST",
        &format!("/keys/{id}/revoke"),
        Some(&ana),
        Some(&format!("csrf={token}&tenant=acme")),
        None,
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let revoked_at = Instant::now();
    loop {
        if http(w.api, "GET", "/v1/models", None, None, Some(&new_key)).status == 401 {
            break;
        }
        assert!(revoked_at.elapsed() < Duration::from_secs(1), "a revoked key is refused within a second");
        std::thread::sleep(Duration::from_millis(20));
    }

    // A provider key is rotated from a typed value, never shown.
    let rotated = "sk-ROTATED-provider-secret-abcdef0123456789";
    let r = http(
        w.console,
        "POST",
        "/secrets/openai/rotate",
        Some(&ana),
        Some(&format!("csrf={token}&tenant=acme&value={rotated}")),
        None,
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let after = get("/keys?tenant=acme", &ana);
    assert!(after.body.contains(r#"<td class="num">2</td>"#), "version 2");
    assert!(!after.body.contains(rotated) && !after.body.contains(PROVIDER_SECRET));

    // A forged CSRF token is refused.
    let r = http(
        w.console,
        "POST",
        "/keys",
        Some(&ana),
        Some(&format!("csrf=forged&tenant=acme&user={}", enc(USERS[2]))),
        None,
    );
    assert_eq!(r.status, 403);
    let r = http(w.console, "POST", "/keys", Some(&ana), Some("tenant=acme&user=x%40y"), None);
    assert_eq!(r.status, 403);

    // Try it: the decision with masked previews, never the value.
    let tried = http(
        w.console,
        "POST",
        "/policies/try",
        Some(&ana),
        Some(&format!("csrf={token}&tenant=acme&direction=inbound&text={}", enc(&format!("pay with {CARD} today")))),
        None,
    );
    assert_eq!(tried.status, 200, "{}", tried.body);
    assert!(
        tried.body.contains("Decision")
            && tried.body.contains("credit_card")
            && tried.body.contains("************1111")
    );
    seen.borrow_mut().push(tried.body.clone());

    // Members: the owner invites; roles decide what each sees.
    let members = get("/members?tenant=acme", &ana);
    assert_eq!(members.status, 200);
    let bo = sign_in(&w, USERS[1], "acme", Role::Member);
    let carl = sign_in(&w, USERS[2], "acme", Role::Admin);
    let dan = sign_in(&w, "dan@globex.example", "globex", Role::Owner);
    let mine = get("/activity?tenant=acme", &bo);
    assert_eq!(mine.status, 200);
    assert!(
        mine.body.matches(&format!("<td>{}</td>", USERS[1])).count() == 50
            && !mine.body.contains(&format!("<td>{}</td>", USERS[0]))
    );
    let forced = get(&format!("/activity?tenant=acme&user={}", enc(USERS[0])), &bo);
    assert!(!forced.body.contains(&format!("<td>{}</td>", USERS[0])), "a member sees only their own records");
    let bo_jsonl = get("/activity.jsonl?tenant=acme", &bo);
    let bo_want: usize = w.counts.iter().filter(|((t, u, _), _)| t == "acme" && u == USERS[1]).map(|(_, n)| n).sum();
    assert_eq!(bo_jsonl.body.lines().count(), bo_want);
    let ana_record = seqs(&p1.body).into_iter().find(|s| s % 3 == 0 && s % 4 != 3).unwrap();
    // Route by route, as each role and as another tenant's owner: what each may see.
    let routes = ["/activity", "/overview", "/keys", "/policies", "/members", "/activity.csv", "/verify"];
    for (who, cookie, allowed) in [
        ("owner", &ana, vec![true, true, true, true, true, true, true]),
        ("admin", &carl, vec![true, true, true, true, false, true, true]),
        ("member", &bo, vec![true, true, true, false, false, true, false]),
        ("other tenant", &dan, vec![false; 7]),
    ] {
        for (route, ok) in routes.iter().zip(allowed) {
            let r = get(&format!("{route}?tenant=acme"), cookie);
            let ok_status = r.status == 200 || (r.status == 303 && *route == "/verify");
            assert_eq!(ok_status, ok, "{who} {route}: {}", r.status);
            if !ok {
                assert_eq!(r.status, 403, "{who} {route}");
            }
        }
    }
    assert_eq!(get(&format!("/activity/{ana_record}?tenant=acme"), &bo).status, 403, "another member's record");
    let bo_keys = get("/keys?tenant=acme", &bo);
    assert!(bo_keys.body.contains(&w.bo_key[12..20]) && !bo_keys.body.contains("data-secret"), "own keys, no secrets");
    let ana_key_id = listed
        .body
        .match_indices("data-key=\"")
        .map(|(i, m)| {
            let s = &listed.body[i + m.len()..];
            &s[..s.find('"').unwrap()]
        })
        .find(|k| !w.bo_key.contains(k))
        .unwrap();
    let r = http(
        w.console,
        "POST",
        &format!("/keys/{ana_key_id}/revoke"),
        Some(&bo),
        Some(&format!("csrf={}&tenant=acme", csrf(&bo_keys.body))),
        None,
    );
    assert_eq!(r.status, 403, "a member revokes only their own keys");

    // Tampered and expired sessions, sign-out.
    let r = http(w.console, "GET", "/activity?tenant=acme", Some("tampered"), None, None);
    assert_eq!((r.status, r.header("location")), (303, Some("/sign-in")));
    let r = http(w.console, "POST", "/keys", Some("tampered"), Some("tenant=acme"), None);
    assert_eq!(r.status, 401);
    Store::open(&w.state).unwrap().age_session(&carl, Duration::from_secs(13 * 3600)).unwrap();
    assert_eq!(get("/activity?tenant=acme", &carl).status, 303, "idle past the timeout");
    let r = http(
        w.console,
        "POST",
        "/sign-out",
        Some(&dan),
        Some(&format!("csrf={}&tenant=globex", csrf(&get("/activity?tenant=globex", &dan).body))),
        None,
    );
    assert_eq!(r.status, 303);
    assert_eq!(get("/activity?tenant=globex", &dan).status, 303, "signed out");

    // Sign-in attempts are rate-limited per address.
    let statuses: Vec<u16> =
        (0..10).map(|_| http(w.console, "POST", "/invite/not-a-link", None, Some(""), None).status).collect();
    assert!(statuses.contains(&429), "{statuses:?}");

    // The refusals and changes are in the audit log.
    let log = get("/activity?tenant=acme&action=denied", &ana);
    assert!(log.body.matches("action-denied").count() >= 3, "refusals are audited");
    let issued = get("/activity?tenant=acme&action=key_issued", &ana);
    assert!(issued.body.contains("action-key_issued"));

    // No planted value in any page, export or response.
    for body in seen.borrow().iter() {
        for planted in [CARD, PROVIDER_SECRET, w.bo_key.as_str(), ana.as_str(), bo.as_str()] {
            assert!(!body.contains(planted), "a planted value came back");
        }
        assert!(!body.contains("<script>"), "no inline script");
    }
}
