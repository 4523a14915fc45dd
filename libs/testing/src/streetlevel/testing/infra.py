"""Throwaway PostgreSQL + Kafka for tests: start/stop helpers, state files and the infra CLI."""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import time
from pathlib import Path

from ._proc import InfraError, port_open
from .kafka import (
    DEFAULT_KAFKA_VERSION,
    KafkaBroker,
    broker_java_check,
    broker_ready,
    ensure_libs,
    kafka_version,
)
from .postgres import PostgresServer, find_bindir

__all__ = [
    "DEFAULT_KAFKA_VERSION",
    "InfraError",
    "KafkaBroker",
    "PostgresServer",
    "attach_kafka",
    "attach_postgres",
    "ensure_libs",
    "find_bindir",
    "kafka_version",
    "kill_kafka",
    "load_env",
    "main",
    "start_kafka",
    "start_postgres",
    "stop_kafka",
    "stop_postgres",
]

ENV_FILE = "infra.env"


def start_postgres(timeout: float = 30.0) -> PostgresServer:
    """initdb a temp cluster on a free loopback port and start it."""
    server = PostgresServer.create()
    try:
        server.start(timeout=timeout)
    except BaseException:
        server.destroy()
        raise
    return server


def stop_postgres(server: PostgresServer, keep_data: bool = False) -> None:
    """Fast shutdown; delete its files unless keep_data."""
    if keep_data:
        server.stop()
    else:
        server.destroy()


def start_kafka(version: str | None = None, timeout: float = 30.0) -> KafkaBroker:
    """Format a temp KRaft node on free loopback ports and start it."""
    broker = KafkaBroker.create(version=version)
    try:
        broker.start(timeout=timeout)
    except BaseException:
        broker.destroy()
        raise
    return broker


def stop_kafka(broker: KafkaBroker, keep_data: bool = False) -> None:
    """Graceful shutdown; delete its files unless keep_data."""
    if keep_data:
        broker.stop()
    else:
        broker.destroy()


def kill_kafka(broker: KafkaBroker, sig: int = signal.SIGKILL) -> None:
    """Crash the broker; broker.start() brings it back on the same ports and data."""
    broker.kill(sig)


def write_env(state_dir: Path, pg: PostgresServer, kafka: KafkaBroker) -> Path:
    """Write state_dir/infra.env (KEY=value lines that bash can source)."""
    values = {
        "STREETLEVEL_TEST_INFRA_DIR": str(state_dir.resolve()),
        "STREETLEVEL_TEST_PG_DSN": pg.dsn,
        "STREETLEVEL_TEST_PG_PORT": str(pg.port),
        "STREETLEVEL_TEST_PG_PID": str(pg.pid or ""),
        "STREETLEVEL_TEST_PG_DATA_DIR": str(pg.base_dir),
        "STREETLEVEL_TEST_PG_BINDIR": str(pg.bindir or ""),
        "STREETLEVEL_TEST_KAFKA_BOOTSTRAP": kafka.bootstrap,
        "STREETLEVEL_TEST_KAFKA_CONTROLLER_PORT": str(kafka.controller_port),
        "STREETLEVEL_TEST_KAFKA_VERSION": kafka.version,
        "STREETLEVEL_TEST_KAFKA_PID": str(kafka.pid or ""),
        "STREETLEVEL_TEST_KAFKA_DATA_DIR": str(kafka.base_dir),
        "STREETLEVEL_TEST_KAFKA_LIBS": str(kafka.libs_dir or ""),
    }
    path = state_dir / ENV_FILE
    path.write_text("".join(f"{k}={shlex.quote(v)}\n" for k, v in values.items()))
    return path


def load_env(state_dir: Path) -> dict[str, str]:
    """Parse state_dir/infra.env (empty dict if absent)."""
    path = state_dir / ENV_FILE
    if not path.exists():
        return {}
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            parts = shlex.split(value)
            env[key.strip()] = parts[0] if parts else ""
    return env


def attach_postgres(env: dict[str, str]) -> PostgresServer:
    """Handle on the PostgreSQL an infra.env describes (managed if its data dir is here)."""
    data = env.get("STREETLEVEL_TEST_PG_DATA_DIR", "")
    if data and Path(data).is_dir():
        bindir = env.get("STREETLEVEL_TEST_PG_BINDIR")
        return PostgresServer(
            Path(data), int(env["STREETLEVEL_TEST_PG_PORT"]), Path(bindir) if bindir else None
        )
    return PostgresServer.external(env["STREETLEVEL_TEST_PG_DSN"])


def attach_kafka(env: dict[str, str]) -> KafkaBroker:
    """Handle on the Kafka broker an infra.env describes (managed if its data dir is here)."""
    data = env.get("STREETLEVEL_TEST_KAFKA_DATA_DIR", "")
    bootstrap = env["STREETLEVEL_TEST_KAFKA_BOOTSTRAP"]
    version = env.get("STREETLEVEL_TEST_KAFKA_VERSION") or "unknown"
    if data and Path(data).is_dir():
        port = int(bootstrap.rpartition(":")[2])
        ctrl = int(env["STREETLEVEL_TEST_KAFKA_CONTROLLER_PORT"])
        libs = env.get("STREETLEVEL_TEST_KAFKA_LIBS")
        return KafkaBroker(Path(data), port, ctrl, version, Path(libs) if libs else None)
    return KafkaBroker.external(bootstrap, version)


def _up(state_dir: Path) -> int:
    if (state_dir / ENV_FILE).exists():
        print(f"infra: stopping leftovers described by {state_dir / ENV_FILE}")
        _down(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    # Fail on a missing java/mvn or PostgreSQL before starting anything.
    broker_java_check()
    ensure_libs()
    find_bindir()
    t0 = time.monotonic()
    pg = start_postgres()
    t_pg = time.monotonic() - t0
    try:
        t1 = time.monotonic()
        kafka = start_kafka()
        t_kafka = time.monotonic() - t1
    except BaseException:
        pg.destroy()
        raise
    path = write_env(state_dir, pg, kafka)
    print(f"infra: PostgreSQL {pg.dsn} (pid {pg.pid}) ready in {t_pg:.1f}s")
    print(
        f"infra: Kafka {kafka.version} at {kafka.bootstrap} (pid {kafka.pid}) "
        f"ready in {t_kafka:.1f}s"
    )
    print(f"infra: wrote {path}")
    return 0


def _down(state_dir: Path) -> int:
    env = load_env(state_dir)
    if not env:
        print(f"infra: nothing to stop ({state_dir / ENV_FILE} absent)")
        return 0
    failures = []
    for attach in (attach_kafka, attach_postgres):
        try:
            server = attach(env)
            server.destroy()
        except (InfraError, OSError, KeyError, ValueError) as exc:
            failures.append(f"{attach.__name__}: {exc}")
    (state_dir / ENV_FILE).unlink(missing_ok=True)
    for msg in failures:
        print(f"infra: {msg}", file=sys.stderr)
    print("infra: stopped PostgreSQL and Kafka" if not failures else "infra: stopped with errors")
    return 1 if failures else 0


def _status(state_dir: Path) -> int:
    env = load_env(state_dir)
    if not env:
        print(f"infra: down ({state_dir / ENV_FILE} absent)")
        return 1
    pg, kafka = attach_postgres(env), attach_kafka(env)
    pg_up = port_open(pg.port, pg.host)
    kafka_up = broker_ready(kafka.host, kafka.port)
    print(f"PostgreSQL {pg.dsn}: {'up' if pg_up else 'DOWN'} (pid {pg.pid})")
    print(
        f"Kafka {kafka.version} {kafka.bootstrap}: {'up' if kafka_up else 'DOWN'} (pid {kafka.pid})"
    )
    return 0 if pg_up and kafka_up else 1


def main(argv: list[str] | None = None) -> int:
    """CLI: up / down / status of the test infra described by --state-dir."""
    parser = argparse.ArgumentParser(prog="infra", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status", "fetch"])
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=Path(os.environ.get("STREETLEVEL_TEST_INFRA_DIR", ".streetlevel/test-infra")),
    )
    args = parser.parse_args(argv)
    state_dir: Path = args.state_dir
    try:
        if args.command == "up":
            return _up(state_dir)
        if args.command == "down":
            return _down(state_dir)
        if args.command == "fetch":
            print(ensure_libs())
            return 0
        return _status(state_dir)
    except InfraError as exc:
        print(f"infra: ERROR: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
