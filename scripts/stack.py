"""The distributed topology, natively: PostgreSQL, Kafka, every service as its own uvicorn.

    scripts/stack up       start everything, print the gateway URL, write .streetlevel/stack.env
    scripts/stack status   what is running
    scripts/stack down     stop everything (nothing is left running)

The PostgreSQL and Kafka come from the test infrastructure (streetlevel.testing.infra).
STREETLEVEL_AREAS_FILE (the ONS LSOA→ward→LAD lookup, or a code,name,type,parent_code list) and
STREETLEVEL_COUNTIES_FILE load the areas; without them the registry refuses every registration.
After `set -a; . .streetlevel/stack.env; set +a` the `streetlevel` CLI acts on this stack.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "libs" / "testing" / "src"))

from streetlevel.testing._proc import free_port, pid_alive, tail, terminate  # noqa: E402
from streetlevel.testing.infra import (  # noqa: E402
    InfraError,
    attach_kafka,
    attach_postgres,
    load_env,
    start_kafka,
    start_postgres,
    write_env,
)

STATE_DIR = ROOT / ".streetlevel" / "stack"
ENV_FILE = ROOT / ".streetlevel" / "stack.env"
# The gateway's server key lives here as a 0600 file, read through STREETLEVEL_SECRETS_DIR.
SECRETS = "secrets"
AREAS_ENV = ("STREETLEVEL_AREAS_FILE", "STREETLEVEL_COUNTIES_FILE")
NO_AREAS = (
    "NO AREAS LOADED (STREETLEVEL_AREAS_FILE is not set): the registry refuses every "
    "registration (422, unknown area codes) until areas are loaded. Restart with the official "
    "ONS lookup: scripts/stack down; STREETLEVEL_AREAS_FILE=/path/to/ons-lookup.csv scripts/stack "
    "up (or load it into the running registry: set -a; . .streetlevel/stack.env; set +a; "
    ".venv/bin/streetlevel areas load /path/to/ons-lookup.csv; commissioning and outcomes read "
    "the file only at start)"
)
#: Services that keep no database: the public site reads the API through the gateway only.
NO_DATABASE = ("web",)
HOST = "127.0.0.1"
READY_TIMEOUT_S = 90.0


@dataclass
class Service:
    """One service of the stack: its name, port and database."""

    name: str
    port: int

    @property
    def descriptor(self) -> Any:
        """The service's own ``SERVICE`` descriptor (streetlevel.common.descriptor)."""
        from streetlevel.platform.services import by_name

        return by_name(self.name)

    @property
    def prefix(self) -> str:
        return str(self.descriptor.env_prefix)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log(self) -> Path:
        return STATE_DIR / f"{self.name}.log"


def discover() -> list[str]:
    """The platform's services in start order (dependencies first), the gateway, then the site."""
    from streetlevel.platform.services import GATEWAY, SERVICES, SITE

    return [d.name for d in (*SERVICES, GATEWAY, SITE)]


async def create_databases(dsn: str, names: list[str]) -> None:
    """One database per service on the stack's PostgreSQL."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        for name in names:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def service_env(
    svc: Service, db_url: str, bootstrap: str, gateway: Service | None
) -> dict[str, str]:
    """The environment a service reads through its settings class (env prefix <NAME>_)."""
    p = svc.prefix
    env = {
        f"{p}ENVIRONMENT": "development",
        f"{p}DATABASE_URL": db_url,
        f"{p}BUS": "kafka",
        f"{p}KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        f"{p}KAFKA_TOPIC_REPLICATION": "1",
        f"{p}LOG_JSON": "false",
    }
    if gateway is not None and svc.name != "gateway":
        env[f"{p}JWKS_URL"] = f"{gateway.url}/.well-known/jwks.json"
    if gateway is not None:
        # Every absolute URL the platform emits (dataschema, OCDS, Link) is the gateway's.
        env[f"{p}PUBLIC_BASE_URL"] = gateway.url
    return env


def web_env(web: Service, gateway: Service) -> dict[str, str]:
    """The public site: the gateway is its only upstream; no database, no bus, no secret."""
    return {
        "WEB_ENVIRONMENT": "development",
        "WEB_GATEWAY_URL": gateway.url,
        "WEB_PUBLIC_BASE_URL": gateway.url,
        "WEB_SITE_URL": web.url,
        "WEB_LOG_JSON": "false",
    }


def gateway_env(others: list[Service], secrets_dir: Path | None = None) -> dict[str, str]:
    """The gateway's upstreams and its server key (fresh for every stack).

    With secrets_dir the key goes to a 0600 file there (STREETLEVEL_SECRETS_DIR), not the env.
    """
    key = secrets.token_urlsafe(48)
    env = {"GATEWAY_MODE": "distributed", "GATEWAY_DATA_DIR": str(STATE_DIR / "gateway-data")}
    if secrets_dir is None:
        env["GATEWAY_SERVER_KEY"] = key
    else:
        write_secret(secrets_dir, "gateway_server_key", key)
        env["STREETLEVEL_SECRETS_DIR"] = str(secrets_dir)
    for svc in others:
        env[f"GATEWAY_{svc.prefix}URL"] = svc.url
    return env


def write_secret(secrets_dir: Path, name: str, value: str) -> None:
    """One settings file (named like the variable, lower case), readable by its owner only."""
    secrets_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    secrets_dir.chmod(0o700)
    path = secrets_dir / name
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)


def area_files() -> tuple[Path | None, Path | None]:
    """STREETLEVEL_AREAS_FILE and STREETLEVEL_COUNTIES_FILE; a named file must exist."""
    files = []
    for var in AREAS_ENV:
        value = os.environ.get(var, "")
        path = Path(value).resolve() if value else None
        if path is not None and not path.is_file():
            raise InfraError(f"{var}={value} is not a file")
        files.append(path)
    if files[1] is not None and files[0] is None:
        raise InfraError("STREETLEVEL_COUNTIES_FILE needs STREETLEVEL_AREAS_FILE")
    return files[0], files[1]


def load_areas(db_url: str, areas: Path, counties: Path | None) -> int:
    """Load the areas into the registry's database before it starts; returns the count."""
    args = (str(areas), str(counties) if counties else None)
    code = (
        "import asyncio\n"
        "from streetlevel.registry.app import SERVICE\n"
        "from streetlevel.registry.cli import load_areas\n"
        f"s = SERVICE.settings(database_url={db_url!r})\n"
        f"print(asyncio.run(load_areas(s, *{args!r})))"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if res.returncode != 0:
        raise InfraError(f"registry: loading areas from {areas} failed:\n{res.stderr[-3000:]}")
    return int(res.stdout.strip().splitlines()[-1])


def migrate(svc: Service, db_url: str) -> None:
    """Alembic upgrade to head, as the service's migration Job does (its own process)."""
    code = (
        "from streetlevel.platform.services import by_name\n"
        f"by_name({svc.name!r}).migrate({db_url!r})"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if res.returncode != 0:
        raise InfraError(f"{svc.name}: migration failed:\n{res.stderr[-3000:]}")


def launch(svc: Service, env: dict[str, str]) -> int:
    """Start one uvicorn process (its own session, so down can stop its whole group).

    A STREETLEVEL_SECRETS_DIR left in the operator's shell (a sourced stack.env) is not passed
    on: the stack decides which process reads which secrets.
    """
    base = {k: v for k, v in os.environ.items() if k != "STREETLEVEL_SECRETS_DIR"}
    cmd = [sys.executable, "-m", "uvicorn", "--factory", svc.descriptor.factory]
    cmd += ["--http", svc.descriptor.http_protocol]
    cmd += ["--host", HOST, "--port", str(svc.port), "--workers", "1"]
    cmd += ["--timeout-graceful-shutdown", "10"]
    with svc.log.open("ab") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**base, **env},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    return proc.pid


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=2) as resp:  # noqa: S310
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait_ready(svc: Service, pid: int) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            raise InfraError(f"{svc.name} exited at start; log tail:\n{tail(svc.log)}")
        if ready(svc.url):
            return
        time.sleep(0.3)
    raise InfraError(f"{svc.name} not ready within {READY_TIMEOUT_S:.0f}s:\n{tail(svc.log)}")


def write_stack_env(values: dict[str, str]) -> None:
    ENV_FILE.parent.mkdir(parents=True, exist_ok=True)
    ENV_FILE.write_text("".join(f"{k}={shlex.quote(v)}\n" for k, v in values.items()))


def read_stack_env() -> dict[str, str]:
    if not ENV_FILE.exists():
        return {}
    env = {}
    for line in ENV_FILE.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep:
            parts = shlex.split(value)
            env[key] = parts[0] if parts else ""
    return env


def up() -> int:
    areas, counties = area_files()  # a mistyped path fails here, before anything starts
    if ENV_FILE.exists() or (STATE_DIR / "infra.env").exists():
        print("stack: stopping the previous stack first")
        down()
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    if areas is None:
        print(f"stack: WARNING: {NO_AREAS}", file=sys.stderr)
    names = discover()
    services = [Service(name, free_port()) for name in names]
    gateway = next((s for s in services if s.name == "gateway"), None)
    web = next((s for s in services if s.name == "web"), None)
    if web is not None and gateway is None:
        print("stack: SKIPPING web: the public site needs the gateway")
        services.remove(web)
        names.remove("web")
        web = None
    stored = [s for s in services if s.name not in NO_DATABASE]
    t0 = time.monotonic()
    pg = start_postgres()
    try:
        kafka = start_kafka()
    except BaseException:
        pg.destroy()
        raise
    write_env(STATE_DIR, pg, kafka)
    print(
        f"stack: PostgreSQL {pg.dsn}, Kafka {kafka.version} at {kafka.bootstrap} "
        f"({time.monotonic() - t0:.1f}s)"
    )
    values = {
        "STREETLEVEL_STACK_DIR": str(STATE_DIR),
        "STREETLEVEL_KAFKA_BOOTSTRAP": kafka.bootstrap,
        "STREETLEVEL_PG_DSN": pg.dsn,
        "STREETLEVEL_PG_PID": str(pg.pid or ""),
        "STREETLEVEL_KAFKA_PID": str(kafka.pid or ""),
        "STREETLEVEL_SERVICES": " ".join(names),
    }
    write_stack_env(values)
    # Every service reads the same files (commissioning and outcomes keep them in memory).
    area_env = {k: str(v) for k, v in zip(AREAS_ENV, (areas, counties), strict=True) if v}
    loaded = None
    try:
        asyncio.run(create_databases(pg.dsn, [s.name for s in stored]))
        with ThreadPoolExecutor() as pool:
            list(pool.map(lambda s: migrate(s, pg.url(s.name)), stored))
        if areas is not None and "registry" in names:
            loaded = load_areas(pg.url("registry"), areas, counties)
        # The services start side by side; the gateway only once they are all ready.
        # ... and the public site once the gateway is.
        backends = [s for s in services if s is not gateway and s is not web]
        for group in (backends, [gateway] if gateway else [], [web] if web else []):
            pids = {}
            for svc in group:
                if svc is web and gateway is not None:
                    env = web_env(web, gateway)
                else:
                    env = service_env(svc, pg.url(svc.name), kafka.bootstrap, gateway) | area_env
                if svc is gateway:
                    env |= gateway_env(backends, STATE_DIR / SECRETS)
                pids[svc.name] = pid = launch(svc, env)
                if svc.name not in NO_DATABASE:
                    # The database under the name the service's own settings (and the CLI) read.
                    values[f"{svc.prefix}DATABASE_URL"] = pg.url(svc.name)
                values[f"STREETLEVEL_{svc.name.upper()}_URL"] = svc.url
                values[f"STREETLEVEL_{svc.name.upper()}_PID"] = str(pid)
                write_stack_env(values)
            for svc in group:
                wait_ready(svc, pids[svc.name])
                print(f"stack: {svc.name} ready at {svc.url} (pid {pids[svc.name]})")
    except BaseException as exc:
        print(f"stack: ERROR: {exc}", file=sys.stderr)
        down()
        return 1
    if gateway is not None:
        # What the streetlevel CLI needs to act on this gateway (GatewaySettings' names).
        values["GATEWAY_MODE"] = "distributed"
        values["STREETLEVEL_SECRETS_DIR"] = str(STATE_DIR / SECRETS)
        values["STREETLEVEL_GATEWAY_URL"] = gateway.url
        write_stack_env(values)
        print(f"stack: gateway at {gateway.url}")
        if web is not None:
            print(f"stack: public site at {web.url}")
    else:
        print("stack: no gateway yet; services only")
    if loaded is not None:
        print(f"stack: areas: {loaded} loaded from {areas}")
    else:
        print(f"stack: areas: NONE — {NO_AREAS}")
        print(f"stack: WARNING: {NO_AREAS}", file=sys.stderr)
    rel = ENV_FILE.relative_to(ROOT)
    print(f"stack: wrote {ENV_FILE}; to act on this stack: set -a; . {rel}; set +a")
    return 0


def down() -> int:
    values = read_stack_env()
    infra_pids = ("STREETLEVEL_PG_PID", "STREETLEVEL_KAFKA_PID")
    pids = [
        int(pid)
        for key, pid in values.items()
        if key.endswith("_PID") and key not in infra_pids and pid.isdigit()
    ]
    # uvicorn drains for up to 10 s, then the lifespan stops relay and consumers; all at once.
    with ThreadPoolExecutor() as pool:
        list(pool.map(lambda pid: terminate(pid, signal.SIGTERM, 30.0), pids))
    infra = load_env(STATE_DIR)
    failures = []
    if infra:
        for attach in (attach_kafka, attach_postgres):
            try:
                attach(infra).destroy()
            except (InfraError, OSError, KeyError, ValueError) as exc:
                failures.append(f"{attach.__name__}: {exc}")
        (STATE_DIR / "infra.env").unlink(missing_ok=True)
    # The key belonged to this stack's gateway database, which is gone now.
    shutil.rmtree(STATE_DIR / SECRETS, ignore_errors=True)
    ENV_FILE.unlink(missing_ok=True)
    for msg in failures:
        print(f"stack: {msg}", file=sys.stderr)
    print("stack: down" if not failures else "stack: down, with errors")
    return 1 if failures else 0


def status() -> int:
    values = read_stack_env()
    if not values:
        print("stack: down")
        return 1
    healthy = True
    for name in values.get("STREETLEVEL_SERVICES", "").split():
        key = f"STREETLEVEL_{name.upper()}"
        pid = values.get(f"{key}_PID", "")
        url = values.get(f"{key}_URL", "")
        up_ = pid.isdigit() and pid_alive(int(pid)) and bool(url) and ready(url)
        healthy &= up_
        print(f"{name:<14} {url:<28} pid {pid:<8} {'ready' if up_ else 'DOWN'}")
    for name in ("PG", "KAFKA"):
        pid = values.get(f"STREETLEVEL_{name}_PID", "")
        alive = pid.isdigit() and pid_alive(int(pid))
        healthy &= alive
        print(f"{name.lower():<14} {'':<28} pid {pid:<8} {'up' if alive else 'DOWN'}")
    return 0 if healthy else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="stack", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["up", "down", "status"])
    args = parser.parse_args(argv)
    try:
        return {"up": up, "down": down, "status": status}[args.command]()
    except InfraError as exc:
        print(f"stack: ERROR: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
