"""A throwaway PostgreSQL server on loopback for tests (trust auth, no durability)."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ._proc import (
    LOOPBACK,
    InfraError,
    children_of,
    free_port,
    pid_alive,
    port_open,
    read_pid,
    signal_group,
    tail,
    wait_until,
)

# No fsync: a throwaway cluster need not survive an OS crash. synchronous_commit stays on so
# a commit's WAL reaches the kernel before it is acknowledged: crash tests (SIGKILL, immediate
# stop) must never lose an acknowledged commit, and with it off they would.
TEST_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "on",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "64MB",
    "max_wal_size": "1GB",
    "log_min_messages": "warning",
    "log_checkpoints": "off",
    "log_line_prefix": "'%m [%p] %d '",
}


def find_bindir() -> Path:
    """Locate PostgreSQL server binaries (newest Debian major first, then PATH)."""
    env = os.environ.get("STREETLEVEL_PG_BINDIR")
    candidates = [Path(env)] if env else []
    found = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted(
        (Path(p) for p in found),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for cand in candidates:
        if (cand / "initdb").exists() and (cand / "postgres").exists():
            return cand
    raise InfraError(
        "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PATH); "
        "run scripts/ensure-postgres.sh (apt-get install postgresql) or set STREETLEVEL_PG_BINDIR"
    )


def _as_postgres_user() -> list[str]:
    """Command prefix that drops root to the postgres user (PostgreSQL refuses to run as root)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if not setpriv:
        raise InfraError("running as root but setpriv (util-linux) is missing")
    # setpriv execs (unlike runuser/su), so the pid we get is the postmaster's own.
    return [setpriv, "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]


def _chown_to_postgres(path: Path) -> None:
    if os.geteuid() != 0:
        return
    import pwd

    try:
        entry = pwd.getpwnam("postgres")
    except KeyError as exc:
        raise InfraError("running as root but there is no 'postgres' user") from exc
    for root, dirs, files in os.walk(path):
        for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
            os.chown(name, entry.pw_uid, entry.pw_gid)


@dataclass
class PostgresServer:
    """A PostgreSQL cluster in base_dir; start/stop/kill/restart keep its port and data."""

    base_dir: Path
    port: int
    bindir: Path | None = None
    managed: bool = True
    host: str = LOOPBACK
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False, compare=False)

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "pgdata"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "postgres.log"

    @property
    def dsn(self) -> str:
        """libpq/asyncpg DSN of the maintenance database."""
        return self.url("postgres", driver=None)

    def url(self, database: str = "postgres", driver: str | None = "asyncpg") -> str:
        """URL of a database: SQLAlchemy form (postgresql+asyncpg://) unless driver is None."""
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        return f"{scheme}://postgres@{self.host}:{self.port}/{database}"

    @property
    def pid(self) -> int | None:
        """Pid of the running postmaster, from its own pid file."""
        pid = read_pid(self.data_dir / "postmaster.pid")
        return pid if pid_alive(pid) else None

    @classmethod
    def create(cls, base_dir: Path | None = None, port: int | None = None) -> PostgresServer:
        """initdb a fresh cluster in a new temp dir (not started)."""
        bindir = find_bindir()
        base = Path(base_dir or tempfile.mkdtemp(prefix="streetlevel-pg-"))
        base.mkdir(parents=True, exist_ok=True)
        server = cls(base_dir=base, port=port or free_port(), bindir=bindir)
        _chown_to_postgres(base)
        base.chmod(0o755)
        # C.UTF-8 keeps pg_trgm/lower() Unicode-aware without depending on generated locales.
        for locale in ("C.UTF-8", "C"):
            cmd = [*_as_postgres_user(), str(bindir / "initdb"), "-D", str(server.data_dir)]
            cmd += ["-U", "postgres", "-A", "trust", "-E", "UTF8", f"--locale={locale}"]
            res = subprocess.run([*cmd, "--no-sync"], capture_output=True, text=True, check=False)
            if res.returncode == 0:
                break
            shutil.rmtree(server.data_dir, ignore_errors=True)
        else:
            raise InfraError(f"initdb failed:\n{res.stdout}\n{res.stderr}")
        settings = dict(TEST_SETTINGS)
        settings["listen_addresses"] = f"'{LOOPBACK}'"
        settings["port"] = str(server.port)
        # Our own socket dir: /var/run/postgresql may be missing or owned by a system cluster.
        settings["unix_socket_directories"] = f"'{server.data_dir}'"
        with (server.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# streetlevel test settings\n")
            conf.writelines(f"{k} = {v}\n" for k, v in settings.items())
        return server

    @classmethod
    def external(cls, dsn: str) -> PostgresServer:
        """A handle on a server someone else runs (cannot be stopped or restarted)."""
        parts = urlsplit(dsn)
        return cls(
            base_dir=Path("/nonexistent"),
            port=parts.port or 5432,
            host=parts.hostname or LOOPBACK,
            managed=False,
        )

    def _require_managed(self) -> None:
        if not self.managed:
            raise InfraError(f"PostgreSQL at {self.host}:{self.port} is not managed by this run")

    def _ready(self) -> bool:
        # postmaster.pid line 8 turns "ready" once connections are accepted (what pg_ctl -w reads).
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return False
        return len(lines) >= 8 and lines[7].strip() == "ready" and port_open(self.port, self.host)

    def start(self, timeout: float = 30.0) -> None:
        """Start the postmaster in its own session and wait until it accepts connections."""
        self._require_managed()
        if self.pid:
            return
        if port_open(self.port, self.host):
            raise InfraError(f"port {self.port} is already taken; cannot start PostgreSQL there")
        lock = self.data_dir / "postmaster.pid"
        if lock.exists() and not pid_alive(read_pid(lock)):
            # A crashed postmaster may linger as an unreaped zombie, which PostgreSQL would
            # mistake for a live one; its lock files are stale, so drop them.
            for stale in (lock, self.data_dir / f".s.PGSQL.{self.port}.lock"):
                stale.unlink(missing_ok=True)
        bindir = self.bindir or find_bindir()
        self.bindir = bindir
        cmd = [*_as_postgres_user(), str(bindir / "postgres"), "-D", str(self.data_dir)]
        with self.log_file.open("ab") as log:
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
            )
        proc = self._proc
        if not wait_until(lambda: self._ready() or proc.poll() is not None, timeout):
            self.kill(signal.SIGKILL)
            raise InfraError(
                f"PostgreSQL not ready on port {self.port} within {timeout:.0f}s; "
                f"log tail:\n{tail(self.log_file)}"
            )
        if proc.poll() is not None:
            raise InfraError(f"PostgreSQL exited at start; log tail:\n{tail(self.log_file)}")

    def stop(self, immediate: bool = False, timeout: float = 30.0) -> None:
        """Shut down: fast (clean) or immediate (crash-like: recovery runs on the next start)."""
        self._require_managed()
        # SIGINT / SIGQUIT are exactly what `pg_ctl stop -m fast|immediate` send to the postmaster.
        self._signal_postmaster(signal.SIGQUIT if immediate else signal.SIGINT, timeout)

    def kill(self, sig: int = signal.SIGQUIT) -> None:
        """Crash it: SIGQUIT = immediate shutdown; SIGKILL etc. hit every postgres process."""
        self._require_managed()
        if sig == signal.SIGQUIT:
            self._signal_postmaster(sig, 30.0)
            return
        pid = self.pid or (self._proc.pid if self._proc else None)
        if pid:
            # Backends call setsid(), so a group signal misses them; orphans would keep the
            # shared memory attached and block the next start.
            for victim in [pid, *children_of(pid)]:
                signal_group(victim, sig)
            wait_until(lambda: not pid_alive(pid), 10.0)
        self._reap()

    def restart(self, immediate: bool = False, timeout: float = 30.0) -> None:
        """Stop then start again on the same port and data."""
        self.stop(immediate=immediate)
        self.start(timeout=timeout)

    def _signal_postmaster(self, sig: int, timeout: float) -> None:
        pid = self.pid
        if pid:
            os.kill(pid, sig)
            if not wait_until(lambda: not pid_alive(pid), timeout):
                signal_group(pid, signal.SIGKILL)
                wait_until(lambda: not pid_alive(pid), 10.0)
        self._reap()

    def _reap(self) -> None:
        if self._proc is not None:
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
            self._proc = None

    def destroy(self) -> None:
        """Stop (fast) and delete the cluster's files."""
        if not self.managed:
            return
        self.stop()
        shutil.rmtree(self.base_dir, ignore_errors=True)
