"""Two consumer replicas in one group on a 6-partition topic: a replica added, then SIGKILLed.

Run on the backbone probe, not the native stack: two ``replica_consumer.py`` processes (the
production ``KafkaConsumerRunner`` + ``EventProcessor`` that commissioning's consumers use, here
with a ledger inbox) share one consumer group on the session's real Kafka and one
PostgreSQL database. The full stack would add four services that play no part in a rebalance
to a machine the other test runs share; the code under test is the same.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from streetlevel_e2e_harness.faults import Tally, read_records

from streetlevel.common.bus.kafka import KafkaPublisher
from streetlevel.common.db import asyncpg_dsn
from streetlevel.common.events import Envelope
from streetlevel.common.outbox import OutboxMessage
from streetlevel.testing.probe import TOPIC, Probe
from streetlevel.testing.pytest_plugin import PgDatabaseFactory, TopicFactory
from streetlevel.testing.waiting import eventually

REPLICA = Path(__file__).with_name("replica_consumer.py")
ROOT = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists())
THINGS = 240  # keys: 40 per partition on average
ROUNDS = 30  # one event per key per round: sequences 1..ROUNDS
ADD_AT, KILL_AT = 8, 18  # the rounds before which replica b joins and replica a dies
JOINING = 4  # rounds published unthrottled while b joins, at most
AHEAD = 2  # rounds the producer may run ahead of what was applied: the stream never drains


async def prepare(url: str) -> None:
    """The probe's inbox tables and the applications log the replicas write."""
    await Probe().create_at(url)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(REPLICA_TABLE)
    finally:
        await conn.close()


REPLICA_TABLE = """
CREATE TABLE replica_applications (
    id bigserial PRIMARY KEY,
    event_id text NOT NULL,
    subject text NOT NULL,
    sequence integer NOT NULL,
    replica text NOT NULL
)
"""


def envelope(thing: str, seq: int) -> OutboxMessage:
    event = Envelope(
        id=str(uuid.uuid4()),
        source="/streetlevel/probe",
        type="org.streetlevel.probe.thing.changed.v1",
        subject=f"thing/{thing}",
        time=datetime.now(UTC),
        sequence=str(seq),
        data={"thing_id": thing, "n": seq},
    )
    return OutboxMessage(
        id=0,
        topic=TOPIC,
        key=thing,
        event_id=event.id,
        event_type=event.type,
        value=event.to_json(),
    )


class Replicas:
    """The consumer processes, their delivery notes and the applications they committed."""

    def __init__(self, url: str, bootstrap: str, topic: str, tmp: Path) -> None:
        self.url, self.bootstrap, self.topic, self.tmp = url, bootstrap, topic, tmp
        self.group = f"replicas-{uuid.uuid4().hex[:8]}"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        cmd = [sys.executable, str(REPLICA), "--url", self.url, "--bootstrap", self.bootstrap]
        cmd += ["--topic", self.topic, "--group", self.group, "--name", name]
        cmd += ["--deliveries", str(self.tmp / f"{name}.deliveries")]
        log = (self.tmp / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=log)

    def owns(self, name: str) -> bool:
        """Whether the replica's last logged assignment holds any partition."""
        lines = (self.tmp / f"{name}.log").read_text(errors="replace").splitlines()
        owned = [line for line in lines if line.startswith("partitions ")]
        return bool(owned) and owned[-1] != "partitions []"

    def deliveries(self) -> Counter[str]:
        """How many times each partition/offset was handed to a replica's processor."""
        seen: Counter[str] = Counter()
        for path in self.tmp.glob("*.deliveries"):
            seen.update(line for line in path.read_text().splitlines() if line)
        return seen

    async def applied(self) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(asyncpg_dsn(self.url))
        try:
            return list(
                await conn.fetch(
                    "SELECT id, event_id, subject, sequence, replica "
                    "FROM replica_applications ORDER BY id"
                )
            )
        finally:
            await conn.close()

    async def count(self, replica: str | None = None) -> int:
        conn = await asyncpg.connect(asyncpg_dsn(self.url))
        try:
            if replica is None:
                return int(await conn.fetchval("SELECT count(*) FROM replica_applications"))
            return int(
                await conn.fetchval(
                    "SELECT count(*) FROM replica_applications WHERE replica = $1", replica
                )
            )
        finally:
            await conn.close()

    async def parked(self) -> int:
        conn = await asyncpg.connect(asyncpg_dsn(self.url))
        try:
            return int(await conn.fetchval("SELECT count(*) FROM parked_events"))
        finally:
            await conn.close()

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def out_of_order(rows: list[asyncpg.Record]) -> int:
    """Keys whose applied sequences, in the order they were applied, are not 1, 2, … ROUNDS."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_key[row["subject"]].append(row["sequence"])
    return sum(1 for seqs in by_key.values() if seqs != list(range(1, ROUNDS + 1)))


@pytest.mark.timeout(300)
async def test_a_rebalance_mid_stream_loses_nothing_applies_once_and_keeps_key_order(
    pg_database_factory: PgDatabaseFactory,
    topic_factory: TopicFactory,
    kafka_bootstrap: str,
    topic_prefix: str,
    tmp_path: Path,
) -> None:
    url = await pg_database_factory("replica_rebalance", prepare=prepare)
    topic = await topic_factory(TOPIC, partitions=6)
    replicas = Replicas(url, kafka_bootstrap, topic, tmp_path)
    publisher = KafkaPublisher(kafka_bootstrap, client_id="replica-test", topic_prefix=topic_prefix)
    await publisher.start()
    acked: set[str] = set()
    things = [f"t{i:04d}" for i in range(THINGS)]
    applied_by_a_at_kill = 0
    try:
        replicas.start("a")
        for rnd in range(ROUNDS):
            if rnd == ADD_AT:
                replicas.start("b")  # joins mid-stream: the group rebalances under load
            joining = ADD_AT <= rnd < ADD_AT + JOINING and not replicas.owns("b")
            if rnd == ADD_AT + JOINING:
                await eventually(
                    lambda: asyncio.to_thread(replicas.owns, "b"), within=90, what="b to join"
                )
            if rnd == KILL_AT:
                # Both replicas own partitions and have applied since the rebalance.
                assert replicas.owns("a")
                assert replicas.owns("b")
                assert await replicas.count("b") > 0
            batch = [envelope(thing, rnd + 1) for thing in things]
            await publisher.publish(batch)  # acks=all: every event is on the topic
            acked.update(m.event_id for m in batch)
            if rnd == KILL_AT:
                # Killed while it consumes the round just published: a batch in hand.
                replicas.procs["a"].send_signal(signal.SIGKILL)
                assert await asyncio.to_thread(replicas.procs["a"].wait, 30) == -signal.SIGKILL
                applied_by_a_at_kill = await replicas.count("a")
            if joining:
                continue  # a backlog builds up while b joins: the rebalance meets it in flight
            floor = (rnd + 1 - AHEAD) * THINGS

            async def caught_up(floor: int = floor) -> bool:
                return await replicas.count() >= floor

            await eventually(caught_up, within=90, what=f"the replicas to reach {floor} events")

        async def everything() -> bool:
            return await replicas.count() >= len(acked)

        await eventually(everything, within=120, what="every event applied")
        parked = await replicas.parked()
    finally:
        await publisher.stop()
        replicas.stop_all()

    rows = await replicas.applied()
    result = Tally("rebalance: replica b added, then replica a SIGKILLed", acked=acked)
    result.published.update(
        e
        for e in (
            Envelope.from_json(r.value).id for r in await read_records(kafka_bootstrap, topic)
        )
        if e in acked
    )
    result.applied.update(row["event_id"] for row in rows)
    deliveries = replicas.deliveries()
    result.redelivered = sum(n - 1 for n in deliveries.values() if n > 1)
    result.report()
    by_replica = Counter(row["replica"] for row in rows)
    disorder = out_of_order(rows)
    print(
        f"rebalance: keys = {THINGS}, partitions = 6, applied by a = {by_replica['a']} "
        f"(all before its SIGKILL: {applied_by_a_at_kill}), by b = {by_replica['b']}; "
        f"keys out of order = {disorder}, parked = {parked}"
    )
    assert result.lost == 0
    assert result.duplicated_applied == 0
    assert disorder == 0
    assert parked == 0
    assert by_replica["a"] == applied_by_a_at_kill > 0
    assert by_replica["b"] > 0
    assert len(rows) == THINGS * ROUNDS
