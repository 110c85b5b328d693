"""Real Redis and PostgreSQL servers for the tests of several gateways: started from the
Debian binaries on free loopback ports in a temporary directory, stopped at the end (and, should
the test process die, by the kernel: they get SIGTERM when it goes).

`available()` says why a server cannot run here; the tests skip with that message — unless
`CI` is set, where the test command installs both, so a missing server is a failure."""
import ctypes
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

_libc = ctypes.CDLL("libc.so.6", use_errno=True)
PR_SET_PDEATHSIG = 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _child(user=None):
    """preexec_fn: run as `user` (uid, gid), then die with the test process."""
    def setup():
        if user is not None:
            os.setgid(user[1])
            os.setuid(user[0])
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    return setup


def _pg_bindir():
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    dirs = [d for d in dirs if os.path.exists(os.path.join(d, "initdb"))]
    return dirs[-1] if dirs else None


def missing():
    """What is missing to run both servers, or None."""
    if shutil.which("redis-server") is None:
        return "redis-server not found (Debian: apt-get install redis-server)"
    if _pg_bindir() is None:
        return "PostgreSQL server binaries not found (Debian: apt-get install postgresql)"
    return None


def _wait_port(port, proc, what, log=None, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited: {open(log).read() if log else proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on port {port}")


class Redis:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_child())
        _wait_port(self.port, self.proc, "redis-server")

    def url(self, db=0):
        return f"redis://127.0.0.1:{self.port}/{db}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class Postgres:
    def __init__(self):
        self.bin = _pg_bindir()
        self.dir = tempfile.mkdtemp(prefix="dlpjet-gateway-tests-pg-")
        user = None
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            pw = pwd.getpwnam("postgres")
            user = (pw.pw_uid, pw.pw_gid)
            os.chown(self.dir, *user)
        self.user = user
        data = os.path.join(self.dir, "data")
        subprocess.run([os.path.join(self.bin, "initdb"), "-A", "trust", "-U", "dlpjet", "-E", "UTF8", "--no-sync",
                        "-D", data], check=True, capture_output=True, preexec_fn=_child(user))
        self.port = free_port()
        self.log = os.path.join(self.dir, "server.log")
        with open(self.log, "w") as log:
            if user:
                os.chown(self.log, *user)
            self.proc = subprocess.Popen(
                [os.path.join(self.bin, "postgres"), "-D", data, "-p", str(self.port), "-k", self.dir,
                 "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
                stdout=subprocess.DEVNULL, stderr=log, preexec_fn=_child(user))
        _wait_port(self.port, self.proc, "postgres", self.log)
        self.databases = 0

    def database(self):
        """A new empty database; its URL."""
        self.databases += 1
        name = f"gw{os.getpid()}_{self.databases}"
        for _ in range(100):  # the server accepts connections a moment after it listens
            r = subprocess.run([os.path.join(self.bin, "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                                "-U", "dlpjet", name], capture_output=True, text=True)
            if r.returncode == 0:
                return f"postgresql://dlpjet@127.0.0.1:{self.port}/{name}"
            time.sleep(0.1)
        raise RuntimeError(f"createdb: {r.stderr}")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)
        shutil.rmtree(self.dir, ignore_errors=True)
