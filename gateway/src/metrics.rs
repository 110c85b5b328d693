//! The gateway's Prometheus metrics, written in the text exposition format at `GET /metrics`.
//!
//! Labels hold routes, statuses, detector ids, actions, upstream names and limit scopes —
//! never a tenant, user, key or anything from a request body.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Histogram bucket bounds, in seconds: from 250 µs (the gateway's own overhead) to a minute
/// (a long stream).
const BUCKETS: [f64; 16] =
    [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0, 60.0];

#[derive(Clone, Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.counts[i] += 1;
        }
        self.count += 1;
        self.sum += secs;
    }
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<(&'static str, u16), u64>,
    latency: BTreeMap<&'static str, Histogram>,
    stream_duration: Histogram,
    first_byte: Histogram,
    findings: BTreeMap<(String, &'static str, &'static str), u64>,
    upstream_errors: BTreeMap<(String, &'static str), u64>,
    limited: BTreeMap<&'static str, u64>,
}

/// The gateway's counters and histograms.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
    streams_open: AtomicI64,
}

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A request answered with `status` after `took` (for streams: until the response head).
    pub fn request(&self, route: &'static str, status: u16, took: Duration) {
        let mut m = self.lock();
        *m.requests.entry((route, status)).or_default() += 1;
        m.latency.entry(route).or_default().observe(took.as_secs_f64());
    }

    /// Findings of one detector with the action taken, in one direction.
    pub fn findings(&self, direction: &'static str, detector: &str, action: &'static str, n: usize) {
        let mut m = self.lock();
        *m.findings.entry((detector.to_string(), direction, action)).or_default() += n as u64;
    }

    /// An upstream that failed (`kind`: `timeout`, `unreachable`, `status_5xx`, `status_429`,
    /// `key_unavailable`, `stream_broken`).
    pub fn upstream_error(&self, upstream: &str, kind: &'static str) {
        *self.lock().upstream_errors.entry((upstream.to_string(), kind)).or_default() += 1;
    }

    /// A request refused by a rate limit (`scope`) or a budget (`"budget"`).
    pub fn limited(&self, scope: &'static str) {
        *self.lock().limited.entry(scope).or_default() += 1;
    }

    /// A stream started.
    pub fn stream_opened(&self) {
        self.streams_open.fetch_add(1, Ordering::Relaxed);
    }

    /// A stream ended after `took`; its first event went out after `first_byte` (if any did).
    pub fn stream_closed(&self, took: Duration, first_byte: Option<Duration>) {
        self.streams_open.fetch_sub(1, Ordering::Relaxed);
        let mut m = self.lock();
        m.stream_duration.observe(took.as_secs_f64());
        if let Some(t) = first_byte {
            m.first_byte.observe(t.as_secs_f64());
        }
    }

    /// Everything, in the Prometheus text format.
    pub fn render(&self) -> String {
        let m = self.lock();
        let mut out = String::with_capacity(4096);
        header(&mut out, "dlpjet_gateway_requests_total", "counter", "Requests answered, by route and status.");
        for ((route, status), n) in &m.requests {
            let _ = writeln!(out, "dlpjet_gateway_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}");
        }
        header(
            &mut out,
            "dlpjet_gateway_request_duration_seconds",
            "histogram",
            "Time from request to response head, by route.",
        );
        for (route, h) in &m.latency {
            histogram(&mut out, "dlpjet_gateway_request_duration_seconds", &format!("route=\"{route}\""), h);
        }
        header(
            &mut out,
            "dlpjet_gateway_stream_first_event_seconds",
            "histogram",
            "Time from request to the first event of a streamed answer sent to the client.",
        );
        histogram(&mut out, "dlpjet_gateway_stream_first_event_seconds", "", &m.first_byte);
        header(&mut out, "dlpjet_gateway_stream_duration_seconds", "histogram", "Duration of streamed answers.");
        histogram(&mut out, "dlpjet_gateway_stream_duration_seconds", "", &m.stream_duration);
        header(&mut out, "dlpjet_gateway_streams_open", "gauge", "Streamed answers in progress.");
        let _ = writeln!(out, "dlpjet_gateway_streams_open {}", self.streams_open.load(Ordering::Relaxed));
        header(
            &mut out,
            "dlpjet_gateway_dlp_findings_total",
            "counter",
            "DLP findings, by detector, direction and action taken.",
        );
        for ((detector, direction, action), n) in &m.findings {
            let _ = writeln!(
                out,
                "dlpjet_gateway_dlp_findings_total{{detector=\"{}\",direction=\"{direction}\",action=\"{action}\"}} {n}",
                escape(detector)
            );
        }
        header(&mut out, "dlpjet_gateway_upstream_errors_total", "counter", "Upstream failures, by upstream and kind.");
        for ((upstream, kind), n) in &m.upstream_errors {
            let _ = writeln!(
                out,
                "dlpjet_gateway_upstream_errors_total{{upstream=\"{}\",kind=\"{kind}\"}} {n}",
                escape(upstream)
            );
        }
        header(
            &mut out,
            "dlpjet_gateway_refused_total",
            "counter",
            "Requests refused by a rate limit (by scope) or a budget.",
        );
        for (scope, n) in &m.limited {
            let _ = writeln!(out, "dlpjet_gateway_refused_total{{limit=\"{scope}\"}} {n}");
        }
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn histogram(out: &mut String, name: &str, labels: &str, h: &Histogram) {
    let sep = if labels.is_empty() { "" } else { "," };
    let mut cumulative = 0;
    for (bound, n) in BUCKETS.iter().zip(h.counts) {
        cumulative += n;
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}");
    }
    let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}", h.count);
    let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
    let _ = writeln!(out, "{name}_sum{braces} {}", h.sum);
    let _ = writeln!(out, "{name}_count{braces} {}", h.count);
}

/// A label value as the exposition format needs it.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_histograms() {
        let m = Metrics::default();
        m.request("chat_completions", 200, Duration::from_micros(400));
        m.request("chat_completions", 200, Duration::from_millis(3));
        m.request("chat_completions", 429, Duration::from_micros(100));
        m.findings("inbound", "email", "redact", 2);
        m.findings("inbound", "my\"id", "block", 1);
        m.upstream_error("primary", "status_5xx");
        m.limited("ip");
        m.stream_opened();
        let text = m.render();
        assert!(text.contains("dlpjet_gateway_requests_total{route=\"chat_completions\",status=\"200\"} 2\n"));
        assert!(text.contains("dlpjet_gateway_requests_total{route=\"chat_completions\",status=\"429\"} 1\n"));
        assert!(text
            .contains("dlpjet_gateway_request_duration_seconds_bucket{route=\"chat_completions\",le=\"0.00025\"} 1\n"));
        assert!(text
            .contains("dlpjet_gateway_request_duration_seconds_bucket{route=\"chat_completions\",le=\"0.0005\"} 2\n"));
        assert!(
            text.contains("dlpjet_gateway_request_duration_seconds_bucket{route=\"chat_completions\",le=\"+Inf\"} 3\n")
        );
        assert!(text.contains("dlpjet_gateway_request_duration_seconds_count{route=\"chat_completions\"} 3\n"));
        assert!(text.contains(
            "dlpjet_gateway_dlp_findings_total{detector=\"email\",direction=\"inbound\",action=\"redact\"} 2\n"
        ));
        assert!(text.contains("detector=\"my\\\"id\""));
        assert!(text.contains("dlpjet_gateway_upstream_errors_total{upstream=\"primary\",kind=\"status_5xx\"} 1\n"));
        assert!(text.contains("dlpjet_gateway_refused_total{limit=\"ip\"} 1\n"));
        assert!(text.contains("dlpjet_gateway_streams_open 1\n"));
        assert!(text.contains("dlpjet_gateway_stream_duration_seconds_bucket{le=\"+Inf\"} 0\n"));
        // Every sample line is `name{labels} value` or `name value`.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}
