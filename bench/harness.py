"""The benchmark's own native stack: PostgreSQL, Kafka and each service as its own uvicorn.

It reuses scripts/stack.py's pieces (environment, databases, migration) but keeps its state under
.streetlevel/bench-stack, so it never stops a stack another engineer brought up, and it starts
the services one at a time so each start-up time is measured on a quiet machine.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from measure import ROOT, rss_mb

from streetlevel.common.descriptor import HTTP_PROTOCOL
from streetlevel.platform.services import GATEWAY, SERVICES, SITE
from streetlevel.testing._proc import free_port, pid_alive, tail, terminate
from streetlevel.testing.infra import (
    KafkaBroker,
    PostgresServer,
    start_kafka,
    start_postgres,
)

# STREETLEVEL_BENCH_DIR lets two benchmark runs share a machine without sharing state.
STATE_DIR = Path(os.environ.get("STREETLEVEL_BENCH_DIR", ROOT / ".streetlevel" / "bench-stack"))


def git_tree(commit: str, name: str) -> Path:
    """``commit``'s files (``git archive``) under the state directory as ``name``, made once."""
    target = STATE_DIR / name
    if not target.exists():
        target.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "archive", commit], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


HOST = "127.0.0.1"
#: Each service's server protocol by its factory, as its descriptor (and so its image) names it.
HTTP_PROTOCOLS = {d.factory: d.http_protocol for d in (*SERVICES, GATEWAY, SITE)}


def _stack_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sl_stack", ROOT / "scripts" / "stack.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    setattr(module, "STATE_DIR", STATE_DIR)  # noqa: B010 - logs go to our own directory
    return module


stack = _stack_module()


def compile_bytecode() -> None:
    """Compile the environment's bytecode first, as the images do (``UV_COMPILE_BYTECODE``).

    With ``PYTHONDONTWRITEBYTECODE`` set and no ``__pycache__``, every process would compile
    FastAPI, SQLAlchemy and pydantic from source at start; up-to-date files are skipped.
    """
    dirs = [sysconfig.get_paths()["purelib"], *map(str, ROOT.glob("*/*/src"))]
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", *dirs],
        check=False,
        stdout=subprocess.DEVNULL,
    )


@dataclass
class Proc:
    """One running uvicorn process and what its start cost."""

    name: str
    url: str
    pid: int
    ready_s: float

    @property
    def rss_mb(self) -> float:
        return rss_mb(self.pid)


def get(url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310
            return int(resp.status), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, OSError):
        return 0, b""


def wait_ready(
    name: str, url: str, pid: int, log: Path, started: float, limit: float = 90
) -> float:
    """Seconds from ``started`` to the first /readyz 200 (polled every 20 ms)."""
    while time.monotonic() - started < limit:
        if not pid_alive(pid):
            raise RuntimeError(f"{name} exited at start; log tail:\n{tail(log)}")
        if get(f"{url}/readyz", timeout=2)[0] == 200:
            return time.monotonic() - started
        time.sleep(0.02)
    raise RuntimeError(f"{name} not ready within {limit:.0f}s:\n{tail(log)}")


def spawn(name: str, target: str, port: int, env: dict[str, str], *, factory: bool = True) -> int:
    """Start ``uvicorn target`` (uvloop, the services' protocol, 1 worker, no access log).

    Returns its pid. Servers that are not services (the minimal FastAPI route, bare ASGI) run
    the services' protocol too, so that a comparison measures the app, not the server.
    """
    cmd = [sys.executable, "-m", "uvicorn"] + (["--factory"] if factory else []) + [target]
    cmd += ["--host", HOST, "--port", str(port), "--workers", "1"]
    http = HTTP_PROTOCOLS.get(target, HTTP_PROTOCOL)
    cmd += ["--loop", "uvloop", "--http", http, "--no-access-log"]
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    with (STATE_DIR / f"{name}.log").open("ab") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    return proc.pid


def launch_app(name: str, target: str, env: dict[str, str], *, factory: bool = True) -> Proc:
    """Start one server process on a free port and wait until /readyz answers 200."""
    port = free_port()
    started = time.monotonic()
    pid = spawn(name, target, port, env, factory=factory)
    url = f"http://{HOST}:{port}"
    ready_s = wait_ready(name, url, pid, STATE_DIR / f"{name}.log", started)
    return Proc(name, url, pid, ready_s)


@dataclass
class BenchStack:
    """PostgreSQL + Kafka + registry, commissioning, outcomes, gateway (and extra processes)."""

    pg: PostgresServer
    kafka: KafkaBroker
    services: dict[str, Proc] = field(default_factory=dict)
    extras: list[Proc] = field(default_factory=list)
    envs: dict[str, dict[str, str]] = field(default_factory=dict)
    db_urls: dict[str, str] = field(default_factory=dict)

    @classmethod
    def up(cls) -> BenchStack:
        STATE_DIR.mkdir(parents=True, exist_ok=True)
        compile_bytecode()
        pg = start_postgres()
        try:
            kafka = start_kafka(timeout=120)  # a loaded machine starts it slowly
        except BaseException:
            pg.destroy()
            raise
        self = cls(pg=pg, kafka=kafka)
        (STATE_DIR / "pids.json").write_text(json.dumps({"pg": pg.pid, "kafka": kafka.pid}))
        try:
            self._start_services()
        except BaseException:
            self.down()
            raise
        return self

    def _start_services(self) -> None:
        # The public site keeps no database; web_pages starts it against a demo gateway.
        names = [n for n in stack.discover() if n not in stack.NO_DATABASE]
        ports = {n: free_port() for n in names}
        svcs = {n: stack.Service(n, ports[n]) for n in names}
        gateway = svcs.get("gateway")
        asyncio.run(stack.create_databases(self.pg.dsn, names))
        for name in names:
            self.db_urls[name] = self.pg.url(name)
            stack.migrate(svcs[name], self.db_urls[name])
        backends = [s for s in svcs.values() if s is not gateway]
        # One at a time, dependencies first: each start-up is timed on its own.
        for name, svc in svcs.items():
            env = stack.service_env(svc, self.db_urls[name], self.kafka.bootstrap, gateway)
            if svc is gateway:
                env |= stack.gateway_env(backends) | {"GATEWAY_TOKEN_LIFETIME_S": "3600"}
            env[f"{svc.prefix}LOG_LEVEL"] = "WARNING"
            self.envs[name] = env
            started = time.monotonic()
            target = svcs[name].descriptor.factory
            pid = spawn(name, target, svc.port, env)
            ready_s = wait_ready(name, svc.url, pid, STATE_DIR / f"{name}.log", started)
            self.services[name] = Proc(name, svc.url, pid, ready_s)

    def url(self, name: str) -> str:
        return self.services[name].url

    def launch_extra(
        self, name: str, target: str, env: dict[str, str], factory: bool = True
    ) -> Proc:
        proc = launch_app(name, target, env, factory=factory)
        self.extras.append(proc)
        return proc

    def stop_extra(self, proc: Proc) -> None:
        terminate(proc.pid, timeout=20)
        self.extras.remove(proc)

    def client(self, kind: str, **extra: str) -> dict[str, Any]:
        """A gateway API client made with the ``streetlevel`` CLI; returns id and secret."""
        cmd = [sys.executable, "-m", "streetlevel.platform.cli", "clients", "create"]
        cmd += ["--kind", kind]
        for key, value in extra.items():
            cmd += [f"--{key.replace('_', '-')}", value]
        res = subprocess.run(
            cmd,
            cwd=ROOT,
            env={**os.environ, **self.envs["gateway"]},
            capture_output=True,
            text=True,
            check=False,
        )
        if res.returncode != 0:
            raise RuntimeError(f"streetlevel clients create failed: {res.stderr[-2000:]}")
        created: dict[str, Any] = json.loads(res.stdout)
        return created

    def token(self, kind: str, rate_limit: str = "100000000/minute", **extra: str) -> str:
        """A bearer token for a fresh client of ``kind`` with a quota no benchmark reaches."""
        import base64

        made = self.client(kind, rate_limit=rate_limit, **extra)
        basic = base64.b64encode(f"{made['client_id']}:{made['client_secret']}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310
            f"{self.url('gateway')}/oauth/token",
            data=b"grant_type=client_credentials",
            headers={
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310
            token: str = json.loads(resp.read())["access_token"]
        return token

    def down(self) -> None:
        for proc in [*self.extras, *reversed(list(self.services.values()))]:
            terminate(proc.pid, timeout=30)
        self.extras.clear()
        self.services.clear()
        for server in (self.kafka, self.pg):
            try:
                server.destroy()
            except Exception as exc:  # report, keep tearing down the rest
                print(f"bench: could not stop {type(server).__name__}: {exc}", file=sys.stderr)
        (STATE_DIR / "pids.json").unlink(missing_ok=True)
