"""Consumer replicas: events/s with one and with two members of a group on a 6-partition topic."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from typing import Any

import asyncpg
from ctx import Ctx
from measure import ROOT, Result, cpu_seconds, median

from streetlevel.common.bus.kafka import ensure_topics
from streetlevel.common.clock import SystemClock
from streetlevel.common.db import asyncpg_dsn, create_engine, session_factory
from streetlevel.common.uow import EventWriter, UnitOfWork
from streetlevel.testing.probe import TOPIC, Probe, Thing

RELAY = ROOT / "bench" / "event_worker.py"
WORKER = ROOT / "bench" / "replica_worker.py"
PARTITIONS = 6
THINGS = 1000
DATABASE = "bench_replicas"


async def _prepare(dsn: str, url: str, bootstrap: str, topic: str, events: int) -> None:
    """A fresh probe database holding ``events`` outbox rows, and the 6-partition topic."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await conn.close()
    probe = Probe()
    engine = create_engine(url, pool_size=2)
    try:
        await probe.create_all(engine)
        await ensure_topics(bootstrap, [topic], partitions=PARTITIONS)
        writer = EventWriter(
            outbox=probe.outbox,
            source="/streetlevel/probe",
            service="probe",
            clock=SystemClock(),
            is_postgres=True,
        )
        sessions = session_factory(engine)
        things = [Thing(id=f"t{i:04d}") for i in range(THINGS)]
        for _ in range(events // THINGS):
            async with UnitOfWork(sessions, writer) as uow:
                for thing in things:
                    thing.take_events()
                    thing.change()
                    uow.track(thing)
                await uow.commit()
    finally:
        await engine.dispose()


def _publish(url: str, bootstrap: str, prefix: str) -> dict[str, Any]:
    """The outbox drained onto the topic by the benchmark's relay process, before any consumer."""
    relay = subprocess.Popen(
        [sys.executable, str(RELAY), "relay", url, bootstrap, prefix],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert relay.stdin is not None
    assert relay.stdout is not None
    try:
        if relay.stdout.readline().strip() != "ready":
            raise RuntimeError("relay did not start")
        relay.stdin.write("go\n")
        relay.stdin.flush()
        stats: dict[str, Any] = json.loads(relay.stdout.readline())
    finally:
        relay.stdin.close()
        relay.wait(timeout=60)
    return stats


class Member:
    """One replica process and the partitions it last reported."""

    def __init__(self, url: str, bootstrap: str, topic: str, group: str, name: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), url, bootstrap, topic, group, name],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.partitions: list[int] = []
        self.last = ""
        self._reader: threading.Thread | None = None

    def loaded(self) -> None:
        """Wait until the process has imported and connected, before any member joins."""
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "loaded":
            raise RuntimeError("replica worker did not start")

    def join(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("join\n")
        self.proc.stdin.flush()

    def read(self) -> None:
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("partitions "):
                self.partitions = json.loads(line.split(" ", 1)[1])
            else:
                self.last = line.strip()

    def stop(self) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        if self._reader is not None:
            self._reader.join(timeout=10)
        return json.loads(self.last) if self.last else {}


def _children_cpu(parent: int) -> float:
    """CPU seconds of every live child of ``parent`` (PostgreSQL's backends)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            total += cpu_seconds(int(entry))
    return total


async def _scalar(url: str, sql: str, *args: Any) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return int(await conn.fetchval(sql, *args))
    finally:
        await conn.close()


def _arm(ctx: Ctx, url: str, topic: str, group: str, replicas: int, events: int) -> dict[str, Any]:
    """A fresh group of ``replicas`` members drains the topic; measured once the group is balanced.

    Members join together once all are loaded; the first to join still takes every partition
    until the others arrive and the group rebalances, so the clock starts when every member owns
    partitions and they cover the topic, and counts only what is settled after that.
    """
    asyncio.run(_scalar(url, "WITH d AS (DELETE FROM probe_effects RETURNING 1) SELECT 0"))
    settled_sql = "SELECT count(*) FROM inbox WHERE consumer = $1"
    members = [
        Member(url, ctx.stack.kafka.bootstrap, topic, group, f"{group}-{i}")
        for i in range(replicas)
    ]
    pg_pid = ctx.stack.pg.pid or 0
    try:
        for member in members:
            member.loaded()
        for member in members:
            member.read()
            member.join()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            owned = [m.partitions for m in members]
            if all(owned) and sum(len(p) for p in owned) == PARTITIONS:
                break
            time.sleep(0.01)
        else:
            raise RuntimeError(f"group {group} never balanced: {owned}")
        cpu0 = [cpu_seconds(m.proc.pid) for m in members]
        pg0 = _children_cpu(pg_pid) if pg_pid else 0.0
        t0 = time.perf_counter()
        settled0 = asyncio.run(_scalar(url, settled_sql, group))
        settled = settled0
        while settled < events and time.monotonic() < deadline + 600:
            time.sleep(0.05)
            settled = asyncio.run(_scalar(url, settled_sql, group))
        elapsed = time.perf_counter() - t0
        cpu = [cpu_seconds(m.proc.pid) - c for m, c in zip(members, cpu0, strict=True)]
        pg_cpu = (_children_cpu(pg_pid) - pg0) if pg_pid else 0.0
        partitions = [m.partitions for m in members]
    finally:
        stats = [m.stop() for m in members]
    measured = settled - settled0
    twice = asyncio.run(_scalar(url, "SELECT count(*) FROM probe_effects WHERE applied <> 1"))
    return {
        "replicas": replicas,
        "group": group,
        "partitions": partitions,
        "settled": settled,
        "settled_before_balanced": settled0,
        "measured_events": measured,
        "seconds": round(elapsed, 3),
        "events_per_s": round(measured / elapsed, 1),
        "replica_cpu_s": [round(c, 3) for c in cpu],
        "replica_cpu_share": [round(c / elapsed, 3) for c in cpu],
        "replica_cpu_ms_per_event": [round(c * 1000 / max(1, measured), 4) for c in cpu],
        "postgres_cpu_ms_per_event": round(pg_cpu * 1000 / max(1, measured), 4),
        "applied_twice": twice,
        "batches": [s.get("batches") for s in stats],
    }


def consumer_replicas(ctx: Ctx) -> Result:
    res = Result(
        "consumer_replicas",
        target="figures for issue 24 item 4 (no threshold): events/s and per-replica CPU with one "
        "and two consumer replicas on a 6-partition topic; every arm drained, none applied twice",
    )
    events = 40_000 if ctx.quick else 100_000
    rounds = 1 if ctx.quick else 3
    pg, bootstrap = ctx.stack.pg, ctx.stack.kafka.bootstrap
    url = pg.url(DATABASE)
    prefix = f"benchrep{int(time.time())}."
    topic = prefix + TOPIC
    asyncio.run(_prepare(pg.dsn, url, bootstrap, topic, events))
    relay = _publish(url, bootstrap, prefix)
    arms: list[dict[str, Any]] = []
    for rnd in range(rounds):
        for replicas in (1, 2):  # alternating, so the machine's drift meets both arms
            group = f"{prefix}r{rnd}x{replicas}"
            arms.append(_arm(ctx, url, topic, group, replicas, events))
    one = [a for a in arms if a["replicas"] == 1]
    two = [a for a in arms if a["replicas"] == 2]
    rate1 = median([a["events_per_s"] for a in one])
    rate2 = median([a["events_per_s"] for a in two])
    paired = [b["events_per_s"] / a["events_per_s"] for a, b in zip(one, two, strict=True)]
    cost1 = median([a["replica_cpu_ms_per_event"][0] for a in one])
    cost2 = median([sum(a["replica_cpu_ms_per_event"]) for a in two])
    pg1 = median([a["postgres_cpu_ms_per_event"] for a in one])
    pg2 = median([a["postgres_cpu_ms_per_event"] for a in two])
    res.inputs = {
        "events": events,
        "aggregates": THINGS,
        "partitions": PARTITIONS,
        "rounds": rounds,
        "consumer": "bench/replica_worker.py: KafkaConsumerRunner + EventProcessor (snapshot "
        "inbox, the probe's batch handler), one process per replica, one fresh group per arm",
        "backlog": "the whole stream published by the relay before any consumer starts",
        "clock": "from the moment every member owns partitions covering the topic",
        "cores": os.cpu_count(),
    }
    res.figures = {
        "relay": relay,
        "arms": arms,
        "events_per_s": {"one": rate1, "two": rate2},
        "consumer_cpu_ms_per_event": {"one": cost1, "two_sum": cost2},
        "postgres_cpu_ms_per_event": {"one": pg1, "two": pg2},
    }
    res.ratios = {"two_over_one": round(median(paired), 3)}
    res.check("every_arm_drained", all(a["settled"] == events for a in arms))
    res.check("applied_once", all(a["applied_twice"] == 0 for a in arms))
    res.check(
        "two_replicas_share_the_partitions",
        all(len(p) == PARTITIONS // 2 for a in two for p in a["partitions"]),
    )
    res.notes.append(
        "the machine has 2 cores shared with PostgreSQL, Kafka and other work: two replicas "
        "compete with the database for the same cores"
    )
    res.headline = (
        f"1 replica {rate1:,.0f}/s, 2 replicas {rate2:,.0f}/s ({res.ratios['two_over_one']} ×); "
        f"consumer {cost1:.3f} ms CPU/event, PostgreSQL {pg1:.3f} ms/event"
    )
    return res
