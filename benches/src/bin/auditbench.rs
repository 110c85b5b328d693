//! Audit log append throughput and latency: THREADS threads append RECORDS events in all (each
//! a realistic gateway decision: two detectors with offsets and fingerprints, gateway fields)
//! to a fresh log in a temporary directory (on the same disk as the system's temp folder,
//! or DIR), in one durability mode. Prints records/s and the median, p99 and largest append
//! latency.
//!
//!   auditbench [group|fsync|buffered] [THREADS] [RECORDS] [DIR]

use dlpjet_audit::{AuditEvent, AuditLog, DetectorResult, Durability, EventAction, Options, SigningKey};
use dlpjet_gateway::audit_record::{GatewayRecord, SECTION};
use std::time::{Duration, Instant};

fn event(i: usize) -> AuditEvent {
    let fp = |k: usize| format!("{:032x}", (i * 7919 + k) as u128 * 0x9e37_79b9_7f4a_7c15);
    let mut e = AuditEvent::new(format!("tenant-{}", i % 7), EventAction::Redact)
        .actor(format!("key:{}", i % 100))
        .target("/v1/chat/completions")
        .policy_version("2026-11-01.3")
        .section(
            SECTION,
            GatewayRecord {
                model: Some("gpt-4o-mini".into()),
                provider: Some("openai".into()),
                input_tokens: Some(812),
                output_tokens: Some(230),
                cost: Some(0.00041),
                status: Some(200),
                client_ip: Some("10.1.2.3".into()),
                user_agent: Some("openai-python/1.99".into()),
                request_id: Some(format!("req-{i:012}")),
                latency_ms: Some(412.5),
            }
            .section()
            .expect("plain data serializes"),
        );
    e.dlp = vec![
        DetectorResult {
            detector: "email".into(),
            count: 1,
            action: "redact".into(),
            offsets: vec![[120, 141]],
            fingerprints: vec![fp(1)],
        },
        DetectorResult {
            detector: "credit_card".into(),
            count: 1,
            action: "redact".into(),
            offsets: vec![[300, 319]],
            fingerprints: vec![fp(2)],
        },
    ];
    e
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let durability = match args.first().map(String::as_str).unwrap_or("group") {
        "group" => Durability::GroupCommit,
        "fsync" => Durability::Fsync,
        "buffered" => Durability::Buffered { interval: Duration::from_millis(10) },
        other => panic!("unknown mode {other:?}: group, fsync or buffered"),
    };
    let threads: usize = args.get(1).map_or(64, |t| t.parse().expect("THREADS"));
    let records: usize = args.get(2).map_or(200_000, |r| r.parse().expect("RECORDS"));
    let base = args.get(3).map(std::path::PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::tempdir_in(&base).expect("a temporary directory");
    let opts = Options { durability, checkpoint_key: Some(SigningKey::from_bytes(&[5; 32])), ..Options::default() };
    let log = AuditLog::open(dir.path(), opts).expect("open");
    let events: Vec<AuditEvent> = (0..records).map(event).collect();
    let per = records / threads;
    let start = Instant::now();
    let mut lat: Vec<Duration> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads)
            .map(|t| {
                let (log, events) = (&log, &events);
                s.spawn(move || {
                    let mut l = Vec::with_capacity(per);
                    for e in &events[t * per..(t + 1) * per] {
                        let a = Instant::now();
                        log.append(e).expect("append");
                        l.push(a.elapsed());
                    }
                    l
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().expect("thread")).collect()
    });
    let wall = start.elapsed();
    log.close().expect("close");
    let bytes: u64 = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    lat.sort();
    let q = |p: f64| lat[((lat.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1e6;
    println!(
        "{:?}, {threads} threads: {} records in {:.2} s = {:.0} records/s ({:.1} MiB/s); append latency p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        durability,
        lat.len(),
        wall.as_secs_f64(),
        lat.len() as f64 / wall.as_secs_f64(),
        bytes as f64 / (1 << 20) as f64 / wall.as_secs_f64(),
        q(0.5),
        q(0.99),
        lat.last().unwrap().as_secs_f64() * 1e6
    );
}
