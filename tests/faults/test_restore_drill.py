"""Backup and point-in-time restore drill: the registry's database restored, the platform converges.

The registry moves onto a dedicated PostgreSQL that archives its WAL to a directory; a base
backup (pg_basebackup) is taken; registrations go on — some committed while Kafka is frozen, so
the outbox has not marked them published at the target time — and more after it. The cluster
is restored from the base backup and the archive to that time into a new data directory and the
registry started on it: its relay republishes what the restored outbox had not marked, and
commissioning's inbox discards what it had applied.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from streetlevel_e2e_harness.api import Api, eventually
from streetlevel_e2e_harness.faults import consumer_outcomes, query
from streetlevel_e2e_harness.platform import Platform
from streetlevel_e2e_harness.registrations import applied_in_commissioning, register, tally

from streetlevel.testing._proc import free_port
from streetlevel.testing.infra import PostgresServer
from streetlevel.testing.postgres import find_bindir

ARCHIVE_SETTINGS = {"wal_level": "replica", "archive_mode": "on", "max_wal_senders": "4"}


def _as_postgres(path: Path) -> None:
    """Files the server (run as ``postgres`` when the tests run as root) must own."""
    if os.geteuid() != 0:
        return
    entry = pwd.getpwnam("postgres")
    for root, dirs, files in os.walk(path):
        for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
            os.chown(name, entry.pw_uid, entry.pw_gid)


def _run(*cmd: str) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{' '.join(cmd)}:\n{done.stdout}{done.stderr}"
    return done.stdout


async def _one(dsn: str, sql: str) -> Any:
    return (await query(dsn, sql))[0][0]


def _workspace() -> tuple[Path, Path]:
    """A scratch directory and, inside it, the WAL archive the server writes to."""
    work = Path(tempfile.mkdtemp(prefix="sl-restore-drill-"))
    work.chmod(0o755)
    archive = work / "archive"
    archive.mkdir()
    _as_postgres(archive)
    return work, archive


def _archiving_server(base: Path, archive: Path) -> PostgresServer:
    server = PostgresServer.create(base)
    with (server.data_dir / "postgresql.conf").open("a") as conf:
        conf.writelines(f"{k} = {v}\n" for k, v in ARCHIVE_SETTINGS.items())
        conf.write(f"archive_command = 'test ! -f {archive}/%f && cp %p {archive}/%f'\n")
    server.start()
    return server


def _restore(backup: Path, archive: Path, base: Path, target: datetime) -> PostgresServer:
    """A new data directory from the base backup, recovering from the archive up to ``target``."""
    server = PostgresServer(base_dir=base, port=free_port(), bindir=find_bindir())
    shutil.copytree(backup, server.data_dir)
    (server.data_dir / "postmaster.pid").unlink(missing_ok=True)
    with (server.data_dir / "postgresql.auto.conf").open("a") as conf:
        conf.write(f"port = {server.port}\n")
        conf.write(f"unix_socket_directories = '{server.data_dir}'\n")
        conf.write("archive_mode = off\n")
        conf.write(f"restore_command = 'cp {archive}/%f %p'\n")
        conf.write(f"recovery_target_time = '{target.isoformat()}'\n")
        conf.write("recovery_target_action = 'promote'\n")
    (server.data_dir / "recovery.signal").touch()
    server.data_dir.chmod(0o700)
    _as_postgres(base)
    server.start(timeout=120)
    return server


@pytest.mark.timeout(900)
async def test_registry_restored_to_a_point_in_time_and_the_platform_converges(
    platform: Platform, gateway: Api, cast: Any
) -> None:
    council = cast.councils["GB-LAE-FYL"]
    await gateway.login(council)
    bindir = find_bindir()
    work, archive = _workspace()
    backup = work / "base"
    source = _archiving_server(work / "source", archive)
    restored: PostgresServer | None = None
    original = platform.procs["registry"].env["REGISTRY_DATABASE_URL"]
    try:
        # The registry's data onto the archiving instance, and the registry onto it.
        _run(str(bindir / "createdb"), "-h", source.host, "-p", str(source.port), "-U",
             "postgres", "registry")  # fmt: skip
        dump = work / "registry.sql"
        _run(str(bindir / "pg_dump"), "-d", platform.dsn("registry"), "-f", str(dump))
        _run(str(bindir / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d",
             source.url("registry", driver=None), "-f", str(dump))  # fmt: skip
        await asyncio.to_thread(
            platform.restart, "registry", extra={"REGISTRY_DATABASE_URL": source.url("registry")}
        )
        dsn = source.url("registry", driver=None)
        _run(str(bindir / "pg_basebackup"), "-d", source.dsn, "-D", str(backup), "-X", "none",
             "-c", "fast")  # fmt: skip

        before: set[str] = set()
        for i in range(8):
            await register(gateway, council, before, f"drill-before-{i}")
        # Kafka frozen: these commit, but the relay cannot mark them published.
        unpublished: set[str] = set()
        kafka_pid = platform.kafka.pid
        assert kafka_pid is not None
        os.kill(kafka_pid, signal.SIGSTOP)
        try:
            for i in range(4):
                await register(gateway, council, unpublished, f"drill-unpublished-{i}")
            pending = await _one(dsn, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
            target = await _one(dsn, "SELECT now()")
        finally:
            os.kill(kafka_pid, signal.SIGCONT)
        assert len(before) == 8
        assert len(unpublished) == 4
        assert pending >= 4
        await eventually(
            lambda: _one(dsn, "SELECT count(*) = 0 FROM outbox WHERE published_at IS NULL"),
            within=120,
            what="the relay to publish what waited for Kafka",
        )
        # Writes go on after the target time: the restore rolls them back.
        after: set[str] = set()
        for i in range(4):
            await register(gateway, council, after, f"drill-after-{i}")
        everything = before | unpublished | after

        async def all_applied() -> bool:
            return await applied_in_commissioning(platform, everything) == everything

        await eventually(all_applied, within=120, what="commissioning to apply every write")
        commissioning = platform.url("commissioning")
        duplicates_before = (await consumer_outcomes(commissioning, "commissioning"))["duplicate"]
        # The archive holds the WAL past the target; then the registry and its cluster stop.
        segment = await _one(dsn, "SELECT pg_walfile_name(pg_switch_wal())")
        archived = f"SELECT coalesce(last_archived_wal >= '{segment}', false) FROM pg_stat_archiver"
        await eventually(lambda: _one(source.dsn, archived), within=60, what="the WAL archived")
        platform.kill("registry", signal.SIGTERM)
        source.stop()

        restored = await asyncio.to_thread(_restore, backup, archive, work / "restored", target)
        rdsn = restored.url("registry", driver=None)
        await eventually(
            lambda: _one(restored.dsn, "SELECT NOT pg_is_in_recovery()"),
            within=120,
            what="the restored cluster to promote",
        )
        ids = {str(r["id"]) for r in await query(rdsn, "SELECT id FROM enterprises")}
        republish = await _one(rdsn, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
        assert before | unpublished <= ids
        assert not after & ids
        assert republish >= len(unpublished)
        await asyncio.to_thread(
            platform.restart, "registry", extra={"REGISTRY_DATABASE_URL": restored.url("registry")}
        )
        await eventually(
            lambda: _one(rdsn, "SELECT count(*) = 0 FROM outbox WHERE published_at IS NULL"),
            within=120,
            what="the restored registry's relay to republish",
        )

        async def discarded() -> bool:
            outcomes = await consumer_outcomes(commissioning, "commissioning")
            return outcomes["duplicate"] - duplicates_before >= len(unpublished)

        await eventually(discarded, within=120, what="commissioning to discard the republished")
        name = "PostgreSQL restored to a point in time"
        result = await tally(platform, name, before | unpublished)
        result.report()
        print(
            f"restore drill: restored to {target.isoformat()}; republished = {republish}, "
            f"rolled back by the restore = {len(after)} (applied downstream before it)"
        )
        assert result.lost == 0
        assert result.duplicated_applied == 0
        assert result.duplicated_delivered >= len(unpublished)
        # The restored registry takes new writes, and they reach commissioning once.
        later: set[str] = set()
        await register(gateway, council, later, "drill-restored")
        assert len(later) == 1
        await eventually(
            lambda: applied_in_commissioning(platform, later), within=120, what="a new write"
        )
    finally:
        # The rest of the session goes on with the registry on its own database again.
        await asyncio.to_thread(platform.restart, "registry")
        for server in (restored, source):
            if server is not None:
                server.destroy()
        shutil.rmtree(work, ignore_errors=True)
        assert platform.procs["registry"].env["REGISTRY_DATABASE_URL"] == original
