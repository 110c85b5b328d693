//! A real PostgreSQL server for the tests, started from the Debian binaries on a loopback port
//! in a directory of its own under the system's temporary directory, and stopped when the test process
//! ends (the server gets SIGTERM when its parent dies). Each test takes a database of its own.
//!
//! Without server binaries the tests that need one skip with a message — unless `CI` is set:
//! the test command installs PostgreSQL there, so a missing server is a failure.

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub struct PgServer {
    port: u16,
}

static SERVER: OnceLock<Option<PgServer>> = OnceLock::new();
static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// The binaries of the newest PostgreSQL installed (Debian's layout, or on `PATH`).
fn bindir() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").exists())
        .collect();
    versions.sort_by_key(|p| {
        p.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok())
    });
    versions.pop().or_else(|| {
        let out = Command::new("pg_config").arg("--bindir").output().ok()?;
        Some(PathBuf::from(String::from_utf8(out.stdout).ok()?.trim()))
    })
}

/// uid and gid to run the server as: PostgreSQL refuses to run as root.
fn server_user() -> Option<(u32, u32)> {
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, "postgres"]).output().ok()?;
        String::from_utf8(out.stdout).ok()?.trim().parse().ok()
    };
    let me = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&me.stdout).trim() != "0" {
        return None;
    }
    Some((id("-u")?, id("-g")?))
}

fn run_as(cmd: &mut Command, user: Option<(u32, u32)>) -> &mut Command {
    if let Some((uid, gid)) = user {
        cmd.uid(uid).gid(gid);
    }
    cmd
}

fn chown_tree(path: &Path, user: Option<(u32, u32)>) {
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
    }
}

impl PgServer {
    /// The shared server, started on first use; `None` (after saying why) when it cannot be.
    pub fn get() -> Option<&'static PgServer> {
        SERVER.get_or_init(PgServer::start).as_ref()
    }

    fn start() -> Option<PgServer> {
        let Some(bin) = bindir() else {
            let why = "PostgreSQL server binaries not found (Debian: apt-get install postgresql)";
            if std::env::var_os("CI").is_some() {
                panic!("{why}; the test command installs them in CI");
            }
            eprintln!("skipping the PostgreSQL tests: {why}");
            return None;
        };
        let user = server_user();
        // Under the system's temporary directory: the server's user must reach it, and the
        // target directory may be under a home it cannot enter.
        let tmp = std::env::temp_dir();
        let root = tmp.join(format!("dlpjet-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        // Leftovers of earlier runs (their servers are gone with their test processes).
        if let Ok(entries) = std::fs::read_dir(&tmp) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let pid = name.strip_prefix("dlpjet-pg-").and_then(|p| p.parse::<u32>().ok());
                if let Some(pid) = pid.filter(|_| e.path() != root) {
                    if !Path::new(&format!("/proc/{pid}")).exists() {
                        let _ = std::fs::remove_dir_all(e.path());
                    }
                }
            }
        }
        chown_tree(&root, user);
        let data = root.join("data");
        let out = run_as(&mut Command::new(bin.join("initdb")), user)
            .args(["-A", "trust", "-U", "dlpjet", "-E", "UTF8", "--no-sync", "-D"])
            .arg(&data)
            .output()
            .unwrap();
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut cmd = Command::new(bin.join("postgres"));
        run_as(&mut cmd, user)
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
            .arg("-k")
            .arg(&root)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(root.join("server.log")).unwrap());
        crate::tied::spawn_tied(cmd).expect("postgres starts");
        let deadline = Instant::now() + Duration::from_secs(30);
        let server = PgServer { port };
        loop {
            match postgres::Client::connect(&server.conninfo("postgres"), postgres::NoTls) {
                Ok(_) => return Some(server),
                Err(e) if Instant::now() > deadline => {
                    let log = std::fs::read_to_string(root.join("server.log")).unwrap_or_default();
                    panic!("PostgreSQL did not start on port {port}: {e}\n{log}");
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// A connection string for database `db`.
    pub fn conninfo(&self, db: &str) -> String {
        format!("host=127.0.0.1 port={} user=dlpjet dbname={db} connect_timeout=5", self.port)
    }

    /// A new, empty database; returns its connection string.
    pub fn database(&self) -> String {
        let name = format!("t{}_{}", std::process::id(), DATABASES.fetch_add(1, Ordering::Relaxed));
        let mut c = postgres::Client::connect(&self.conninfo("postgres"), postgres::NoTls).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        self.conninfo(&name)
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.port
    }
}
