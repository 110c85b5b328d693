//! Test servers that stop with the test process: started with `PR_SET_PDEATHSIG`, from a
//! thread that lives as long as the process (the "parent" whose death the kernel watches is
//! the thread that forked the server, not the process). Shared by the core's PostgreSQL tests
//! and the gateway's Redis tests.

use std::os::unix::process::CommandExt;
use std::process::Command;

/// Starts `cmd`; the server gets SIGTERM when the test process ends, however it ends.
pub fn spawn_tied(mut cmd: Command) -> std::io::Result<()> {
    // SAFETY: the closure runs in the forked child before exec and only calls prctl, which is
    // async-signal-safe and allocates nothing. Exercised by every test that starts a server:
    // each must stop with its test process (or CI would leave it running).
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let (started, spawned) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        started.send(cmd.spawn().map(|_| ())).expect("the caller waits for the start");
        loop {
            std::thread::park();
        }
    });
    spawned.recv().expect("the starting thread answers")
}
