"""The native distributed stack for the whole test session, in its own state directory.

Built from scripts/stack.py's pieces (environment, migrations, readiness) so it starts the
services exactly as `scripts/stack up` does, but keeps the PostgreSQL and Kafka handles and one
process per service so fault tests can kill, restart or replace any of them.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from streetlevel.platform.services import SERVICES, by_name
from streetlevel.testing._proc import free_port, pid_alive, tail, terminate
from streetlevel.testing.infra import (
    KafkaBroker,
    PostgresServer,
    attach_kafka,
    attach_postgres,
    load_env,
    start_kafka,
    start_postgres,
    write_env,
)

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists())
GEOGRAPHY = ROOT.parent / "shared" / "data" / "geography"
HOST = "127.0.0.1"
BACKENDS = tuple(d.name for d in SERVICES)
#: The services whose rules depend on dates (contract starts, ended periods, deadlines).
TIMEKEEPERS = ("commissioning", "outcomes")


def stack_script() -> ModuleType:
    """scripts/stack.py as a module (its helpers write under the STATE_DIR we give it)."""
    name = "streetlevel_stack_script"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "stack.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# Quotas high enough for a whole test session from one IP; the rate-limit test uses a client
# with its own small quota instead.
EXTRA_ENV = {
    "GATEWAY_RATE_LIMIT_ANONYMOUS": "100000/minute",
    "GATEWAY_RATE_LIMIT_CLIENT": "100000/minute",
    "GATEWAY_RATE_LIMIT_OAUTH": "100000/minute",
    "GATEWAY_TOKEN_LIFETIME_S": "3600",
    "GATEWAY_FEED_POLL_S": "0.3",
    "GATEWAY_BREAKER_OPEN_S": "1",
    "COMMISSIONING_SCHEDULER_INTERVAL_S": "0.5",
    # Tenders close in seconds (Part 6 sets no minimum period below threshold); the s.54
    # periods and the standstill rule have their own service tests.
    "COMMISSIONING_BELOW_THRESHOLD_TENDERING_DAYS": "0",
}


@dataclass
class Proc:
    """One service process: its name, port, environment, command and log."""

    name: str
    service: str
    port: int
    env: dict[str, str]
    log: Path
    pid: int | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


@dataclass
class Platform:
    """PostgreSQL, Kafka, the three services and the gateway, each its own process."""

    state_dir: Path
    pg: PostgresServer
    kafka: KafkaBroker
    procs: dict[str, Proc] = field(default_factory=dict)
    server_key: str = ""
    #: How far commissioning and outcomes run ahead of real time (``travel_to``).
    clock_offset_s: float = 0.0

    @property
    def gateway_url(self) -> str:
        return self.procs["gateway"].url

    def url(self, name: str) -> str:
        return self.procs[name].url

    def database_url(self, name: str) -> str:
        return self.pg.url(name)

    def dsn(self, name: str) -> str:
        return self.pg.url(name, driver=None)

    # -- time ------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The time commissioning and outcomes tell (real time plus the offset)."""
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset_s)

    def travel_to(self, when: datetime) -> None:
        """Move the time-keeping services forward to ``when`` (never back).

        Each restarts with ``<SERVICE>_CLOCK_OFFSET_S``: their clock and their database clock
        then run that far ahead, so deadlines, contract starts and ended periods come as they
        would after days of real time. The registry and the gateway keep real time (tokens).
        """
        needed = (when - datetime.now(UTC)).total_seconds() + 5
        if needed <= self.clock_offset_s:
            return
        self.clock_offset_s = float(int(needed) + 1)
        for name in TIMEKEEPERS:
            self.procs[name].env[f"{name.upper()}_CLOCK_OFFSET_S"] = str(self.clock_offset_s)
            self.restart(name)
        self.save()

    # -- processes -------------------------------------------------------------------------

    def launch(
        self, proc: Proc, *, script: Path | None = None, extra: dict[str, str] | None = None
    ) -> None:
        """Start proc as uvicorn (or as a test wrapper script that runs the same app)."""
        if script is None:
            descriptor = by_name(proc.service)
            cmd = [sys.executable, "-m", "uvicorn", "--factory", descriptor.factory]
            cmd += ["--http", descriptor.http_protocol]  # as the image starts it
            cmd += ["--host", HOST, "--port", str(proc.port), "--workers", "1"]
            cmd += ["--timeout-graceful-shutdown", "5"]
        else:
            cmd = [sys.executable, str(script), "--port", str(proc.port)]
        with proc.log.open("ab") as log:
            child = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env={**os.environ, **EXTRA_ENV, **proc.env, **(extra or {})},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        proc.pid = child.pid
        self._children[child.pid] = child

    def wait_ready(self, proc: Proc, timeout: float = 90.0) -> None:
        stack = stack_script()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not pid_alive(proc.pid):
                raise RuntimeError(f"{proc.name} exited at start:\n{tail(proc.log)}")
            if stack.ready(proc.url):
                return
            time.sleep(0.2)
        raise RuntimeError(f"{proc.name} not ready in {timeout:.0f}s:\n{tail(proc.log)}")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs[name]
        if proc.pid and pid_alive(proc.pid):
            os.killpg(proc.pid, sig)
        self.reap(name)

    def exit_status(self, name: str) -> int | None:
        """None while the process runs; its exit status once it ended (-9: SIGKILLed)."""
        child = self._children.get(self.procs[name].pid or -1)
        if child is None:
            return None if pid_alive(self.procs[name].pid) else 0
        return child.poll()

    def reap(self, name: str, timeout: float = 30.0) -> int | None:
        """Wait for the process to end; its exit status (negative = killed by that signal)."""
        proc = self.procs[name]
        child = self._children.pop(proc.pid or -1, None)
        if child is None:
            return None
        try:
            return child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            terminate(child.pid, signal.SIGKILL, 5)
            return child.wait(timeout=5)

    def restart(
        self, name: str, *, script: Path | None = None, extra: dict[str, str] | None = None
    ) -> Proc:
        """(Re)start a service on its port, normally or through a test wrapper script."""
        proc = self.procs[name]
        if proc.pid and pid_alive(proc.pid):
            terminate(proc.pid, signal.SIGTERM, 20)
            self.reap(name)
        self.launch(proc, script=script, extra=extra)
        self.wait_ready(proc)
        return proc

    def add_replica(
        self,
        name: str,
        replica: str,
        *,
        script: Path | None = None,
        extra: dict[str, str] | None = None,
    ) -> Proc:
        """Another process of the same service on the same database (a standby)."""
        base = self.procs[name]
        proc = Proc(
            replica, base.service, free_port(), dict(base.env), self.state_dir / f"{replica}.log"
        )
        self.procs[replica] = proc
        self.launch(proc, script=script, extra=extra)
        self.wait_ready(proc)
        return proc

    def remove(self, name: str) -> None:
        proc = self.procs.pop(name)
        if proc.pid and pid_alive(proc.pid):
            terminate(proc.pid, signal.SIGTERM, 20)
        child = self._children.pop(proc.pid or -1, None)
        if child is not None:
            child.wait(timeout=30)

    def cli(self, *args: str) -> Any:
        """`streetlevel ...` (the gateway CLI) against the stack's gateway database."""
        env = {**os.environ, **self.procs["gateway"].env}
        res = subprocess.run(
            [sys.executable, "-m", "streetlevel.platform.cli", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if res.returncode != 0:
            raise RuntimeError(f"streetlevel {' '.join(args)} failed:\n{res.stdout}{res.stderr}")
        return json.loads(res.stdout)

    def log_text(self) -> str:
        return "".join(
            p.log.read_text(errors="replace") for p in self.procs.values() if p.log.exists()
        )

    # -- life cycle ------------------------------------------------------------------------

    def save(self) -> Path:
        """Describe the stack in state_dir/platform.json (for `attach` while developing)."""
        write_env(self.state_dir, self.pg, self.kafka)
        path = self.state_dir / "platform.json"
        procs = {
            n: {"service": p.service, "port": p.port, "env": p.env, "pid": p.pid}
            for n, p in self.procs.items()
        }
        saved = {"procs": procs, "server_key": self.server_key, "offset": self.clock_offset_s}
        path.write_text(json.dumps(saved))
        return path

    @classmethod
    def attach(cls, state_dir: Path) -> Platform:
        """A handle on a stack another process started and saved (STREETLEVEL_E2E_STACK)."""
        env = load_env(state_dir)
        platform = cls(state_dir, attach_postgres(env), attach_kafka(env))
        saved = json.loads((state_dir / "platform.json").read_text())
        platform.server_key = saved["server_key"]
        platform.clock_offset_s = float(saved.get("offset", 0.0))
        for name, p in saved["procs"].items():
            log = state_dir / f"{name}.log"
            platform.procs[name] = Proc(name, p["service"], p["port"], p["env"], log, p["pid"])
        return platform

    _children: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    @classmethod
    def up(cls) -> Platform:
        stack = stack_script()
        state_dir = Path(tempfile.mkdtemp(prefix="sl-e2e-stack-"))
        stack.STATE_DIR = state_dir
        stack.ENV_FILE = state_dir / "stack.env"
        pg = start_postgres()
        try:
            kafka = start_kafka()
        except BaseException:
            pg.destroy()
            raise
        platform = cls(state_dir, pg, kafka)
        try:
            platform._start_services(stack)
        except BaseException:
            platform.down()
            raise
        platform.save()
        return platform

    def _start_services(self, stack: ModuleType) -> None:
        names = [*BACKENDS, "gateway"]
        asyncio.run(stack.create_databases(self.pg.dsn, names))
        procs = {n: stack.Service(n, free_port()) for n in names}
        with ThreadPoolExecutor() as pool:
            list(pool.map(lambda s: stack.migrate(s, self.pg.url(s.name)), procs.values()))
        gateway = procs["gateway"]
        for name, svc in procs.items():
            env = stack.service_env(svc, self.pg.url(name), self.kafka.bootstrap, gateway)
            if name == "gateway":
                env |= stack.gateway_env([procs[b] for b in BACKENDS])
                self.server_key = env["GATEWAY_SERVER_KEY"]
            env["STREETLEVEL_AREAS_FILE"] = str(GEOGRAPHY / "areas.csv")
            env["STREETLEVEL_COUNTIES_FILE"] = str(GEOGRAPHY / "lads_england_2024.csv")
            self.procs[name] = Proc(name, name, svc.port, env, self.state_dir / f"{name}.log")
        for name in BACKENDS:
            self.launch(self.procs[name])
        for name in BACKENDS:
            self.wait_ready(self.procs[name])
        self.launch(self.procs["gateway"])
        self.wait_ready(self.procs["gateway"])

    def down(self) -> None:
        pids = [p.pid for p in self.procs.values() if p.pid]
        with ThreadPoolExecutor() as pool:
            list(pool.map(lambda pid: terminate(pid, signal.SIGTERM, 20.0), pids))
        for child in self._children.values():
            child.poll()
        for server in (self.kafka, self.pg):
            try:
                server.destroy()
            except Exception as exc:  # teardown must go on to the next server
                print(f"stack teardown: {exc}", file=sys.stderr)
        shutil.rmtree(self.state_dir, ignore_errors=True)
