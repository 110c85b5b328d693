//! A real Redis server for the tests, on a loopback port, without persistence, stopped when the
//! test process ends (it gets SIGTERM when the thread that started it — one that lives as long
//! as the process — goes away).
//!
//! Without `redis-server` the tests that need one skip with a message — unless `CI` is set:
//! the test command installs it there, so a missing server is a failure.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub struct RedisServer {
    port: u16,
}

static SERVER: OnceLock<Option<RedisServer>> = OnceLock::new();

impl RedisServer {
    /// The shared server, started on first use; `None` (after saying why) when it cannot be.
    pub fn get() -> Option<&'static RedisServer> {
        SERVER.get_or_init(RedisServer::start).as_ref()
    }

    fn start() -> Option<RedisServer> {
        if Command::new("redis-server").arg("--version").output().is_err() {
            let why = "redis-server not found (Debian: apt-get install redis-server)";
            if std::env::var_os("CI").is_some() {
                panic!("{why}; the test command installs it in CI");
            }
            eprintln!("skipping the Redis tests: {why}");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut cmd = Command::new("redis-server");
        cmd.args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        crate::tied::spawn_tied(cmd).expect("redis-server starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(RedisServer { port })
    }

    /// The server's URL, database `db`.
    pub fn url(&self, db: u32) -> String {
        format!("redis://127.0.0.1:{}/{db}", self.port)
    }
}
