//! The gateway under load, against calling the provider directly: the real `dlpjet gateway`
//! binary in front of an in-process mock provider (OpenAI chat completions, JSON and SSE, with
//! usage), driven by an open-loop load generator (requests leave at their scheduled times and
//! latency counts from then, so a slow response cannot hide the ones queued behind it).
//!
//!   gatewaybench DLPJET_BINARY [SECONDS_PER_RATE] [RATES] [STREAMS] [AUDIT]
//!
//! With `GATEWAY_CPUS=0 taskset -c 1 gatewaybench …` the gateway and the load run on cores of
//! their own. With `GATEWAY_VAULT=postgresql://…` and `GATEWAY_REDIS=redis://…` it runs as one
//! of several instances: the vault in that (empty) database, rate limits and budgets in Redis.
//!
//! Defaults: 10 s per rate, rates 1000,5000,10000 requests/s, 1000 concurrent streams, AUDIT
//! `wait` (answers wait for their record's group commit; `background` commits after). The
//! gateway runs with authentication, rate limits (set high enough not to refuse), budgets,
//! DLP both ways (email redacted, card blocked), metering and audit (group commit, fsync) on.
//! Prints, per rate, the latency percentiles direct and through the gateway; for streams, the
//! time to first event and the gaps between events; the filter's own cost per event; and the
//! gateway's peak memory with STREAMS streams open at once.

use bytes::Bytes;
use dlpjet_gateway::server::reply::{self, Body, ChannelBody};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::convert::Infallible;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Milliseconds between the mock's streamed events (set per phase).
static EVENT_GAP_MS: AtomicU64 = AtomicU64::new(0);
const EVENTS: usize = 20;

/// A 1 KiB chat request: prose with an e-mail address for the policy to redact.
fn request_body(stream: bool) -> Bytes {
    let filler = "The quarterly review covers revenue, hiring plans and the roadmap for next year. ".repeat(11);
    let content = format!("{filler}Please reply to jane.doe@example.org before Friday.");
    let body = serde_json::json!({
        "model": "gpt-bench",
        "messages": [{"role": "system", "content": "You are terse."}, {"role": "user", "content": content}],
        "max_tokens": 64,
        "stream": stream,
    });
    let b = serde_json::to_vec(&body).expect("JSON");
    assert!((1000..1200).contains(&b.len()), "{} bytes", b.len());
    Bytes::from(b)
}

fn chunk(i: usize) -> String {
    format!(
        "data: {{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"word{i} \"}},\"finish_reason\":null}}]}}\n\n"
    )
}

const USAGE: &str = r#""usage":{"prompt_tokens":260,"completion_tokens":20,"total_tokens":280}"#;

/// The mock provider: a chat completion, or a stream of `EVENTS` events `EVENT_GAP_MS` apart.
async fn mock(req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let stream = memchr::memmem::find(&body, b"\"stream\":true").is_some();
    let (content_type, body) = if !stream {
        let text = format!(
            r#"{{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{{"index":0,"message":{{"role":"assistant","content":"Noted. I will write to the team about the roadmap and the hiring plan today."}},"finish_reason":"stop"}}],{USAGE}}}"#
        );
        ("application/json", reply::full(text))
    } else {
        let gap = Duration::from_millis(EVENT_GAP_MS.load(Ordering::Relaxed));
        let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(4);
        tokio::spawn(async move {
            for i in 0..EVENTS {
                if tx.send(Bytes::from(chunk(i))).await.is_err() {
                    return;
                }
                if !gap.is_zero() {
                    tokio::time::sleep(gap).await;
                }
            }
            let end = format!(
                "data: {{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],{USAGE}}}\n\ndata: [DONE]\n\n"
            );
            let _ = tx.send(Bytes::from(end)).await;
        });
        ("text/event-stream", ChannelBody(rx).boxed_unsync())
    };
    let mut r = Response::new(body);
    r.headers_mut().insert("content-type", content_type.parse().expect("header"));
    Ok(r)
}

async fn start_mock() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((s, _)) = listener.accept().await else { continue };
            let _ = s.set_nodelay(true);
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(s), hyper::service::service_fn(mock))
                    .await;
            });
        }
    });
    addr
}

/// A gateway process with its vault, key, policy and audit log in a temporary directory.
struct Gateway {
    child: Child,
    url: String,
    key: String,
    _dir: tempfile::TempDir,
}

impl Gateway {
    fn start(bin: &Path, upstream: SocketAddr, wait_for_commit: bool) -> Gateway {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let run = |args: &[&str], input: Option<&str>| -> String {
            let mut c = Command::new(bin)
                .args(args)
                .current_dir(d)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("dlpjet runs");
            if let Some(i) = input {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(i.as_bytes()).unwrap();
            }
            let out = c.wait_with_output().expect("dlpjet exits");
            assert!(out.status.success(), "dlpjet {args:?} failed");
            String::from_utf8(out.stdout).unwrap()
        };
        // GATEWAY_VAULT (a postgresql:// URL) and GATEWAY_REDIS (a redis:// URL) run the
        // gateway as one of several: vault in PostgreSQL, counters in Redis.
        let pg = std::env::var("GATEWAY_VAULT").ok();
        let redis = std::env::var("GATEWAY_REDIS").ok();
        let store = pg.clone().unwrap_or_else(|| "vault.db".into());
        let master = run(&["vault", "init", "--store", &store], None);
        std::fs::write(d.join("master.key"), master.trim()).unwrap();
        #[cfg(unix)]
        std::fs::set_permissions(d.join("master.key"), std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        let vault = ["--store", store.as_str(), "--master-key-file", "master.key"];
        let key = run(&[&["keys", "create", "--tenant", "acme", "--user", "bench"][..], &vault].concat(), None);
        let key = key.lines().next().unwrap().trim().to_string();
        run(
            &[&["vault", "put", "--tenant", "acme", "--id", "mock"][..], &vault].concat(),
            Some("sk-bench-provider-key"),
        );
        std::fs::write(
            d.join("policy.toml"),
            "version = 1\n[default.detectors.email]\naction = \"redact\"\n[default.detectors.credit_card]\naction = \"block\"\n",
        )
        .unwrap();
        let vault_at = match &pg {
            Some(url) => format!("postgres = {url:?}"),
            None => "path = \"vault.db\"".into(),
        };
        let shared = redis.map(|url| format!("[shared]\nredis = {url:?}")).unwrap_or_default();
        std::fs::write(
            d.join("gateway.toml"),
            format!(
                r#"listen = "127.0.0.1:0"
policy = "policy.toml"
[vault]
{vault_at}
master_key_file = "master.key"
{shared}
[audit]
dir = "audit"
wait_for_commit = {wait_for_commit}
[rate_limits]
per_key = {{ requests_per_minute = 60000000 }}
per_ip = {{ requests_per_minute = 60000000 }}
[budgets]
tenants = {{ acme = 1000000000.0 }}
[[upstreams]]
name = "mock"
kind = "openai"
base_url = "http://{upstream}/v1"
key = "mock"
[models.gpt-bench]
route = [{{ upstream = "mock", model = "m" }}]
input_price = 0.15
output_price = 0.6
"#
            ),
        )
        .unwrap();
        // GATEWAY_CPUS (a taskset list) pins the gateway apart from this process.
        let mut cmd = match std::env::var("GATEWAY_CPUS") {
            Ok(cpus) => {
                let mut c = Command::new("taskset");
                c.args(["-c", &cpus]).arg(bin);
                c
            }
            Err(_) => Command::new(bin),
        };
        let mut child = cmd
            .args(["gateway", "--config", "gateway.toml"])
            .current_dir(d)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the gateway starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.split_whitespace().last().expect("listening line").to_string();
        Gateway { child, url, key, _dir: dir }
    }

    /// CPU time the process has used (user and system), from /proc.
    fn cpu(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let f: Vec<&str> = rest.split_whitespace().collect();
        let field = |i: usize| f.get(i).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
        let ticks = field(11) + field(12);
        Duration::from_millis(ticks * 10) // USER_HZ is 100 on Linux
    }

    /// Resident and peak resident memory (kB), from /proc.
    fn memory(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

fn client() -> HttpClient {
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    Client::builder(TokioExecutor::new()).pool_max_idle_per_host(4096).build(http)
}

fn post(url: &str, key: &str, body: &Bytes) -> Request<Full<Bytes>> {
    Request::post(url)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {key}"))
        .body(Full::new(body.clone()))
        .expect("request")
}

#[derive(Default)]
struct Run {
    /// From sending to the whole answer read.
    latencies: Vec<Duration>,
    /// How late each request left against its schedule (the generator's own health).
    late: Vec<Duration>,
    errors: usize,
    took: Duration,
}

/// Sends `rate` requests a second for `secs` seconds, each at its scheduled time.
async fn open_loop(c: &HttpClient, url: &str, key: &str, body: &Bytes, rate: u64, secs: u64) -> Run {
    let n = rate * secs;
    let start = tokio::time::Instant::now() + Duration::from_millis(50);
    let mut tasks = Vec::with_capacity(n as usize);
    for i in 0..n {
        let at = start + Duration::from_nanos(i * 1_000_000_000 / rate);
        let (c, req) = (c.clone(), post(url, key, body));
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(at).await;
            let sent = tokio::time::Instant::now();
            let r = c.request(req).await;
            let ok = match r {
                Ok(resp) => resp.status().is_success() && resp.into_body().collect().await.is_ok(),
                Err(_) => false,
            };
            (sent.elapsed(), sent - at, ok)
        }));
    }
    let mut run = Run::default();
    for t in tasks {
        let (lat, late, ok) = t.await.expect("task");
        run.late.push(late);
        if ok {
            run.latencies.push(lat);
        } else {
            run.errors += 1;
        }
    }
    run.took = start.elapsed();
    run
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable();
    v[((v.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3
}

/// Streams `n` answers, `concurrency` at a time: the time to the first text (the first event
/// carrying some of the answer's words) and the gaps between the events that carry text.
async fn streams(c: &HttpClient, url: &str, key: &str, n: usize, concurrency: usize) -> (Vec<Duration>, Vec<Duration>) {
    let body = request_body(true);
    let sem = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (c, req, sem) = (c.clone(), post(url, key, &body), sem.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire_owned().await.unwrap();
            let t0 = Instant::now();
            let resp = c.request(req).await.expect("stream starts");
            let mut body = resp.into_body();
            let mut first = None;
            let mut gaps = Vec::new();
            let mut last = t0;
            while let Some(Ok(f)) = body.frame().await {
                let text = |d: &Bytes| {
                    memchr::memmem::find_iter(d, b"\"content\":\"").any(|k| d.get(k + 11).is_some_and(|&b| b != b'"'))
                };
                if f.data_ref().is_some_and(text) {
                    let now = Instant::now();
                    if first.is_none() {
                        first = Some(now - t0);
                    } else {
                        gaps.push(now - last);
                    }
                    last = now;
                }
            }
            (first.expect("an event"), gaps)
        }));
    }
    let mut firsts = Vec::new();
    let mut gaps = Vec::new();
    for t in tasks {
        let (f, g) = t.await.expect("task");
        firsts.push(f);
        gaps.extend(g);
    }
    (firsts, gaps)
}

/// The stream filter's own cost per event, on one thread: p50 and p99 in microseconds.
fn filter_cost() -> (f64, f64) {
    use dlpjet_gateway::dlp::stream::{Protocol, StreamFilter};
    let policy = dlpjet_policy::PolicySet::from_toml(
        "version = 1\n[default.detectors.email]\naction = \"redact\"\n[default.detectors.credit_card]\naction = \"block\"\n",
        None,
    )
    .unwrap();
    let tenant = policy.tenant("default").unwrap();
    let mut times = Vec::new();
    let mut out = Vec::new();
    for _ in 0..500 {
        let mut f = StreamFilter::new(Protocol::OpenAiChat, tenant, 64);
        for i in 0..200 {
            let e = format!(
                "data: {{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"word{i} and more \"}},\"finish_reason\":null}}]}}\n\n"
            );
            out.clear();
            let t = Instant::now();
            f.push(e.as_bytes(), &mut out).unwrap();
            times.push(t.elapsed());
        }
    }
    let mut t = times;
    (pct(&mut t, 0.5) * 1e3, pct(&mut t, 0.99) * 1e3)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let bin = PathBuf::from(args.next().expect("usage: gatewaybench DLPJET_BINARY [SECONDS] [RATES] [STREAMS]"));
    let bin = std::fs::canonicalize(&bin).unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    let secs: u64 = args.next().map_or(10, |a| a.parse().expect("SECONDS"));
    let rates: Vec<u64> =
        args.next().unwrap_or_else(|| "1000,5000,10000".into()).split(',').map(|r| r.parse().expect("RATES")).collect();
    let concurrent: usize = args.next().map_or(1000, |a| a.parse().expect("STREAMS"));
    let wait_for_commit = match args.next().as_deref() {
        None | Some("wait") => true,
        Some("background") => false,
        Some(other) => panic!("AUDIT is wait or background, not {other:?}"),
    };

    let (p50, p99) = filter_cost();
    println!("stream filter, one event (OpenAI chunk, 1 thread): p50 {p50:.2} µs, p99 {p99:.2} µs");

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let upstream = start_mock().await;
        let gw = Gateway::start(&bin, upstream, wait_for_commit);
        let c = client();
        let direct = format!("http://{upstream}/v1/chat/completions");
        let through = format!("{}/v1/chat/completions", gw.url);
        let body = request_body(false);
        // Warm up connections, caches and the audit log.
        open_loop(&c, &through, &gw.key, &body, 500, 1).await;
        open_loop(&c, &direct, &gw.key, &body, 500, 1).await;
        let audit = if wait_for_commit { "answers wait for the audit commit" } else { "audit committed in the background" };
        println!("\nnon-streamed 1 KiB chat requests, open loop, {secs} s per rate, {audit} (latency in ms)");
        println!("{:>7} | {:>26} | {:>26} | {:>17}", "rate/s", "direct p50 / p99 / p99.9", "gateway p50 / p99 / p99.9", "added p50 / p99");
        for &rate in &rates {
            let mut d = open_loop(&c, &direct, &gw.key, &body, rate, secs).await;
            let cpu = gw.cpu();
            let mut g = open_loop(&c, &through, &gw.key, &body, rate, secs).await;
            let per_request = (gw.cpu() - cpu).as_secs_f64() * 1e6 / (rate * secs) as f64;
            let (d50, d99, d999) = (pct(&mut d.latencies, 0.5), pct(&mut d.latencies, 0.99), pct(&mut d.latencies, 0.999));
            let (g50, g99, g999) = (pct(&mut g.latencies, 0.5), pct(&mut g.latencies, 0.99), pct(&mut g.latencies, 0.999));
            println!(
                "{rate:>7} | {d50:>7.3} / {d99:>7.3} / {d999:>7.3} | {g50:>7.3} / {g99:>7.3} / {g999:>7.3} | {:>7.3} / {:>7.3}   (errors {} / {}; sent late p99 {:.3} / {:.3} ms; achieved {:.0} / {:.0} req/s; gateway CPU {per_request:.0} µs per request)",
                g50 - d50,
                g99 - d99,
                d.errors,
                g.errors,
                pct(&mut d.late, 0.99),
                pct(&mut g.late, 0.99),
                (d.latencies.len() + d.errors) as f64 / d.took.as_secs_f64(),
                (g.latencies.len() + g.errors) as f64 / g.took.as_secs_f64(),
            );
        }

        EVENT_GAP_MS.store(5, Ordering::Relaxed);
        for (n, concurrency) in [(100, 1), (500, 50)] {
        println!("\nstreamed answers: {EVENTS} events 5 ms apart, {n} streams, {concurrency} at a time (ms)");
        for (name, url) in [("direct", &direct), ("gateway", &through)] {
            let (mut first, mut gaps) = streams(&c, url, &gw.key, n, concurrency).await;
            println!(
                "{name:>8}: first text p50 {:.3} p99 {:.3}; gap between texts p50 {:.3} p99 {:.3}",
                pct(&mut first, 0.5),
                pct(&mut first, 0.99),
                pct(&mut gaps, 0.5),
                pct(&mut gaps, 0.99)
            );
        }
        }

        EVENT_GAP_MS.store(100, Ordering::Relaxed);
        // A fresh gateway, so the load above does not count in its memory.
        drop(gw);
        let gw = Gateway::start(&bin, upstream, wait_for_commit);
        let through = format!("{}/v1/chat/completions", gw.url);
        streams(&c, &through, &gw.key, 10, 10).await;
        let (idle_rss, _) = gw.memory();
        let sampler = {
            let pid = gw.child.id();
            tokio::spawn(async move {
                let mut peak = 0;
                for _ in 0..60 {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
                    let rss: u64 = s
                        .lines()
                        .find_map(|l| l.strip_prefix("VmRSS:"))
                        .and_then(|v| v.split_whitespace().next()?.parse().ok())
                        .unwrap_or(0);
                    peak = peak.max(rss);
                }
                peak
            })
        };
        let t = Instant::now();
        let (mut first, _) = streams(&c, &through, &gw.key, concurrent, concurrent).await;
        let peak = sampler.await.unwrap();
        println!(
            "\n{concurrent} concurrent streams through the gateway ({EVENTS} events 100 ms apart): done in {:.1} s, first text p99 {:.1} ms; gateway RSS idle {} KiB, peak {} KiB ({:.1} KiB per stream)",
            t.elapsed().as_secs_f64(),
            pct(&mut first, 0.99),
            idle_rss,
            peak,
            (peak.saturating_sub(idle_rss)) as f64 / concurrent as f64
        );
    });
}
