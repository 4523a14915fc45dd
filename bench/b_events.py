"""Event benchmarks: registry → commissioning freshness, and outbox → Kafka → inbox throughput."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from ctx import Ctx
from freshness import measure, patch_at_rate
from measure import ROOT, Result, cpu_seconds, summary
from spy import Profile

from streetlevel.common.bus.kafka import dlq_topic, ensure_topics
from streetlevel.common.clock import SystemClock
from streetlevel.common.db import asyncpg_dsn, create_engine, session_factory
from streetlevel.common.uow import EventWriter, UnitOfWork
from streetlevel.testing.probe import TOPIC, Probe, Thing

PROFILED = 500  # changes in the profiled (unmeasured) freshness run


def _arm(ctx: Ctx, ids: list[str], rate: float, label: str) -> dict[str, Any]:
    """One steady stream of changes at ``rate``: latency, its splits, CPU per change.

    ``label`` makes the missions new text, so that every patch is a change.
    """
    token = ctx.token("registrar")
    urls = ctx.stack.db_urls
    pids = {name: ctx.stack.services[name].pid for name in ("registry", "commissioning")}
    load = os.getloadavg()[0]
    since = datetime.now(UTC)
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    sent = asyncio.run(patch_at_rate(ctx.stack.url("registry"), token, ids, rate, label))
    lat, stages = asyncio.run(
        measure(urls["registry"], urls["commissioning"], ctx.stack.kafka.bootstrap, ids, since)
    )
    # Everything each process did meanwhile (requests, relay, consumers), per change.
    cpu_ms = {
        name: round((cpu_seconds(pid) - cpu_before[name]) * 1000 / len(ids), 3)
        for name, pid in pids.items()
    }
    return {
        "changes": len(ids),
        "rate_per_s": rate,
        "load_at_start": round(load, 2),
        "patch": {k: v for k, v in sent.items() if k != "failures"},
        # Below rate_per_s when the registry could not take the changes as fast as sent.
        "achieved_rate_per_s": round(len(ids) / sent["seconds"], 1),
        "patch_failures": len(sent["failures"]),
        "patch_failure_statuses": sorted(set(sent["failures"])),
        "arrived": len(lat),
        "latency_ms": summary(lat),
        "stages_ms": {name: summary(values) for name, values in stages.items()},
        "cpu_ms_per_change": cpu_ms,
    }


def event_freshness(ctx: Ctx) -> Result:
    res = Result(
        "event_freshness",
        target="registry commit -> commissioning read model committed: p50 <= 5 ms, "
        "p99 <= 20 ms over 10,000 changes at 50/s; p99 <= 50 ms at 500/s",
    )
    count, fast_count = (2_000, 2_000) if ctx.quick else (10_000, 5_000)
    rate, fast_rate = 50.0, 500.0
    ids = ctx.public_ids(count)
    profiled_ids = ctx.public_ids(count + PROFILED)[count:]
    # The second arm changes enterprises of the first again, with other text.
    steady = _arm(ctx, ids, rate, "Steady change")
    fast = _arm(ctx, ids[:fast_count], fast_rate, "Fast change")
    # A separate, unmeasured run with py-spy on both ends shows where the delay goes.
    spies = {
        name: Profile(ctx.stack.services[name].pid, f"event_freshness.{name}")
        for name in ("registry", "commissioning")
    }
    _arm(ctx, profiled_ids, rate, "Profiled change")
    profile = {name: spy.stop() for name, spy in spies.items()}
    res.inputs = {
        "changes": count,
        "rate_per_s": rate,
        "fast_changes": fast_count,
        "fast_rate_per_s": fast_rate,
        "change": "PATCH /v1/enterprises/{id} (merge patch of mission) by a registrar, direct",
        "measure": "commissioning enterprise_read_model.updated_at (set by the consumer in its "
        "transaction) minus registry enterprises.updated_at (set in the use case before commit); "
        "same host clock; splits at the Kafka record's CreateTime (relay send), "
        "outbox.published_at (broker ack) and commissioning inbox.received_at (before commit)",
    }
    stats, fast_stats = steady["latency_ms"], fast["latency_ms"]
    res.figures = {
        # The first round's fields, for the 50/s arm.
        **{k: v for k, v in steady.items() if k not in ("changes", "rate_per_s")},
        "fast": fast,
        "profile": profile,
    }
    res.check(
        "all_changes_arrived",
        steady["arrived"] == count
        and fast["arrived"] == fast_count
        and not steady["patch_failures"]
        and not fast["patch_failures"],
    )
    res.check("p50_le_5ms", stats["p50"] <= 5)
    res.check("p99_le_20ms", stats["p99"] <= 20)
    res.check("fast_p99_le_50ms", fast_stats["p99"] <= 50)
    if ctx.quick:
        res.notes.append(f"quick run: {count:,} and {fast_count:,} changes")
    res.headline = (
        f"p50 {stats['p50']:.1f} ms, p99 {stats['p99']:.1f} ms over {steady['arrived']:,} "
        f"changes at {rate:.0f}/s; p99 {fast_stats['p99']:.1f} ms at {fast_rate:.0f}/s"
    )
    return res


async def _prepare_probe(dsn: str, url: str, bootstrap: str, prefix: str, events: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute('DROP DATABASE IF EXISTS "bench_probe"')
        await conn.execute('CREATE DATABASE "bench_probe"')
    finally:
        await conn.close()
    probe = Probe()
    engine = create_engine(url, pool_size=2)
    try:
        await probe.create_all(engine)
        await ensure_topics(bootstrap, [prefix + TOPIC], partitions=3)
        await ensure_topics(bootstrap, [dlq_topic(prefix + TOPIC, "bench-probe")], partitions=1)
        writer = EventWriter(
            outbox=probe.outbox,
            source="/streetlevel/probe",
            service="probe",
            clock=SystemClock(),
            is_postgres=True,
        )
        sessions = session_factory(engine)
        things = [Thing(id=f"t{i:04d}") for i in range(1000)]
        for _ in range(events // len(things)):
            async with UnitOfWork(sessions, writer) as uow:
                for thing in things:
                    thing.take_events()
                    thing.change()
                    uow.track(thing)
                await uow.commit()
    finally:
        await engine.dispose()


async def _settled(url: str, events: int, timeout_s: float) -> int:
    """Wait until the consumer has accounted for ``events``; how many it has.

    Accounted for: applied, or superseded by a newer snapshot; both are recorded in the inbox
    in the same transaction as the effects. One connection, and the inbox counted only once
    every subject's newest sequence is stored: counting it every 50 ms scanned a growing
    table on the machine under test (a cost both arms of any comparison paid).
    """
    newest = events // 1000
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            landed = await conn.fetchval(
                "SELECT count(*) FROM inbox_sequences "
                "WHERE consumer = 'bench-probe' AND sequence >= $1",
                newest,
            )
            if landed >= 1000 or time.monotonic() > deadline:
                applied = int(
                    await conn.fetchval("SELECT count(*) FROM inbox WHERE consumer = 'bench-probe'")
                )
                if applied >= events or time.monotonic() > deadline:
                    return applied
            await asyncio.sleep(0.02)
    finally:
        await conn.close()


async def _outcome(url: str, newest_sequence: int) -> dict[str, int]:
    """Effects written, and subjects whose newest event (sequence 20) landed."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        effects = int(await conn.fetchval("SELECT count(*) FROM probe_effects"))
        newest = int(
            await conn.fetchval(
                "SELECT count(*) FROM (SELECT subject, max(sequence) AS s FROM probe_effects "
                "GROUP BY subject) m WHERE s = $1",
                newest_sequence,
            )
        )
    finally:
        await conn.close()
    return {"effects": effects, "subjects_at_newest": newest}


def _worker(
    role: str, url: str, bootstrap: str, prefix: str, tree: Path = ROOT
) -> subprocess.Popen[str]:
    """``bench/event_worker.py`` of ``tree`` (another checkout's code on ``PYTHONPATH``)."""
    env = dict(os.environ)
    if tree != ROOT:
        env["PYTHONPATH"] = f"{tree}/libs/common/src:{tree}/libs/testing/src"
    proc = subprocess.Popen(
        [sys.executable, str(tree / "bench" / "event_worker.py"), role, url, bootstrap, prefix],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    if proc.stdout.readline().strip() != "ready":
        proc.kill()
        raise RuntimeError(f"event worker {role} did not start")
    return proc


def event_throughput(ctx: Ctx) -> Result:
    res = Result(
        "event_throughput",
        target="outbox -> Kafka -> inbox, one relay and one consumer: >= 25,000 events/s "
        "end to end, backlog drained, none applied twice",
    )
    events = 20_000 if ctx.quick else 100_000
    pg, bootstrap = ctx.stack.pg, ctx.stack.kafka.bootstrap
    url = pg.url("bench_probe")
    prefix = f"bench{int(time.time())}."
    t0 = time.monotonic()
    asyncio.run(_prepare_probe(pg.dsn, url, bootstrap, prefix, events))
    write_s = time.monotonic() - t0
    consumer = _worker("consumer", url, bootstrap, prefix)
    relay = _worker("relay", url, bootstrap, prefix)
    assert relay.stdin is not None
    assert relay.stdout is not None
    try:
        profiles = {
            "consumer": Profile(consumer.pid, "event_throughput.consumer"),
            "relay": Profile(relay.pid, "event_throughput.relay"),
        }
        cpu0 = {"relay": cpu_seconds(relay.pid), "consumer": cpu_seconds(consumer.pid)}
        start = time.perf_counter()
        relay.stdin.write("go\n")
        relay.stdin.flush()
        applied = asyncio.run(_settled(url, events, 600))
        elapsed = time.perf_counter() - start
        cpu_us = {
            "relay": round((cpu_seconds(relay.pid) - cpu0["relay"]) * 1e6 / events, 1),
            "consumer": round((cpu_seconds(consumer.pid) - cpu0["consumer"]) * 1e6 / events, 1),
        }
        profile = {name: p.stop() for name, p in profiles.items()}
        relay_stats = json.loads(relay.stdout.readline())
    finally:
        for proc in (relay, consumer):
            if proc.stdin:
                proc.stdin.close()
        out = consumer.stdout.read() if consumer.stdout else ""
        for proc in (relay, consumer):
            proc.wait(timeout=60)
    consumer_stats = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    probe = Probe()
    engine_url = url
    duplicates = asyncio.run(_duplicates(engine_url, probe))
    outcome = asyncio.run(_outcome(url, events // 1000))
    rate = applied / elapsed
    res.inputs = {
        "events": events,
        "aggregates": 1000,
        "partitions": 3,
        "relay": "OutboxRelay + KafkaPublisher (linger_ms=0, acks=all, idempotent; one record "
        "batch per partition), own process",
        "consumer": "KafkaConsumerRunner + EventProcessor (snapshot, inbox, batch handler: "
        "one multi-row upsert per batch, newest event per subject), own process",
        "settled": "an event counts once the consumer's inbox holds it (applied, or superseded "
        "by a newer snapshot of its subject in the same batch)",
        "backlog_written_s": round(write_s, 2),
    }
    res.figures = {
        "applied": applied,
        "seconds": round(elapsed, 3),
        "events_per_s": round(rate, 1),
        "relay": relay_stats,
        "relay_events_per_s": round(relay_stats["published"] / relay_stats["seconds"], 1),
        "consumer": consumer_stats,
        "applied_twice": duplicates,
        "cpu_us_per_event": cpu_us,
        "effects_written": outcome["effects"],
        "superseded": applied - outcome["effects"],
        "subjects_at_newest": outcome["subjects_at_newest"],
        "profile": profile,
    }
    res.check("events_per_s_ge_25000", rate >= 25_000)
    res.check("backlog_drained", applied == events and relay_stats["published"] == events)
    res.check("applied_once", duplicates == 0)
    res.check("every_newest_snapshot_landed", outcome["subjects_at_newest"] == 1000)
    res.headline = (
        f"{rate:,.0f} events/s end to end ({applied:,} in {elapsed:.1f}s); "
        f"relay alone {res.figures['relay_events_per_s']:,.0f}/s"
    )
    return res


async def _duplicates(url: str, probe: Probe) -> int:
    engine = create_engine(url, pool_size=1)
    try:
        applied = await probe.applied(engine)
    finally:
        await engine.dispose()
    return sum(1 for n in applied.values() if n != 1)
