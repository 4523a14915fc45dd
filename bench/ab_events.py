"""A/B of the event backbone's throughput paths: two source trees, arms alternating, one run.

    uv run python bench/ab_events.py BASE_TREE [--events N] [--rounds R]

BASE_TREE holds ``libs/common/src``, ``libs/testing/src`` and ``bench/event_worker.py`` of the
baseline (e.g. ``git archive <commit> libs bench | tar -x -C /tmp/base``); arm B is this tree.
Needs ``STREETLEVEL_TEST_PG_DSN`` and ``STREETLEVEL_TEST_KAFKA_BOOTSTRAP`` (scripts/infra.py).
Per arm and round: the relay alone onto a fresh topic, the consumer alone on that filled
topic, then both together end to end; rates and each process's CPU per event.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import asyncpg
from b_events import _prepare_probe, _settled, _worker
from measure import ROOT, cpu_seconds
from spy import Profile

from streetlevel.common.bus.kafka import ensure_topics
from streetlevel.testing.probe import TOPIC

DATABASE = "bench_probe"


def _url(dsn: str) -> str:
    return dsn.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0] + "/" + DATABASE


async def _sql(dsn: str, *statements: str) -> Any:
    conn = await asyncpg.connect(dsn.rsplit("/", 1)[0] + "/" + DATABASE)
    try:
        for statement in statements[:-1]:
            await conn.execute(statement)
        return await conn.fetchval(statements[-1])
    finally:
        await conn.close()


def _finish(proc: subprocess.Popen[str]) -> None:
    if proc.stdin:
        proc.stdin.close()
    proc.wait(timeout=60)


def _wait_settled(dsn: str, events: int) -> None:
    asyncio.run(_settled(_url(dsn), events, 300))


def _reset(dsn: str) -> None:
    asyncio.run(
        _sql(
            dsn,
            "UPDATE outbox SET published_at = NULL",
            "TRUNCATE inbox, inbox_sequences, probe_effects",
            "VACUUM ANALYZE outbox",
        )
    )


def _reset_inbox(dsn: str) -> None:
    asyncio.run(_sql(dsn, "TRUNCATE inbox, inbox_sequences, probe_effects"))


def arm(
    tree: Path, dsn: str, bootstrap: str, events: int, tag: str, spy: bool = False
) -> dict[str, float]:
    url = _url(dsn)
    out: dict[str, float] = {}
    # 1. The relay alone onto a fresh topic.
    _reset(dsn)
    prefix = f"ab{tag}{int(time.time() * 1000)}."
    asyncio.run(ensure_topics(bootstrap, [prefix + TOPIC], partitions=3))
    relay = _worker("relay", url, bootstrap, prefix, tree=tree)
    assert relay.stdin
    assert relay.stdout
    cpu0 = cpu_seconds(relay.pid)
    spied = Profile(relay.pid, f"ab_events.relay.{tag}") if spy else None
    relay.stdin.write("go\n")
    relay.stdin.flush()
    stats = json.loads(relay.stdout.readline())
    out["relay_cpu_us"] = (cpu_seconds(relay.pid) - cpu0) * 1e6 / events
    if spied:
        print(json.dumps(spied.stop(30), indent=1))
    _finish(relay)
    out["relay_per_s"] = stats["published"] / stats["seconds"]
    # 2. The consumer alone on that filled topic (a group with no offsets there yet).
    t0 = time.perf_counter()
    consumer = _worker("consumer", url, bootstrap, prefix, tree=tree)
    cpu0 = cpu_seconds(consumer.pid)
    spied = Profile(consumer.pid, f"ab_events.consumer.{tag}") if spy else None
    _wait_settled(dsn, events)
    out["consumer_per_s"] = events / (time.perf_counter() - t0)
    out["consumer_cpu_us"] = (cpu_seconds(consumer.pid) - cpu0) * 1e6 / events
    if spied:
        print(json.dumps(spied.stop(30), indent=1))
    _finish(consumer)
    # 3. Both together: the benchmark's end-to-end figure.
    _reset(dsn)
    prefix = f"ab{tag}{int(time.time() * 1000)}e."
    asyncio.run(ensure_topics(bootstrap, [prefix + TOPIC], partitions=3))
    consumer = _worker("consumer", url, bootstrap, prefix, tree=tree)
    relay = _worker("relay", url, bootstrap, prefix, tree=tree)
    assert relay.stdin
    assert relay.stdout
    t0 = time.perf_counter()
    relay.stdin.write("go\n")
    relay.stdin.flush()
    _wait_settled(dsn, events)
    out["e2e_per_s"] = events / (time.perf_counter() - t0)
    dup = asyncio.run(_sql(dsn, "SELECT count(*) FROM probe_effects WHERE applied <> 1"))
    out["applied_twice"] = int(dup)
    relay.stdout.readline()
    _finish(relay)
    _finish(consumer)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base", type=Path)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--prepare", action="store_true", help="(re)write the outbox backlog")
    parser.add_argument("--spy", action="store_true", help="py-spy arm B's relay and consumer")
    parser.add_argument("--only-b", action="store_true", help="run arm B alone")
    args = parser.parse_args()
    dsn = os.environ["STREETLEVEL_TEST_PG_DSN"]
    bootstrap = os.environ["STREETLEVEL_TEST_KAFKA_BOOTSTRAP"]
    if args.prepare:
        asyncio.run(_prepare_probe(dsn, _url(dsn), bootstrap, "abprep.", args.events))
    arms = {"A": args.base.resolve(), "B": ROOT}
    rows: dict[str, list[dict[str, float]]] = {"A": [], "B": []}
    for r in range(args.rounds):
        order = ("A", "B") if r % 2 == 0 else ("B", "A")
        for name in order:
            if args.only_b and name == "A":
                continue
            res = arm(arms[name], dsn, bootstrap, args.events, name, args.spy and name == "B")
            load = os.getloadavg()[0]
            print(
                f"round {r} {name} load {load:.2f} "
                + json.dumps({k: round(v, 1) for k, v in res.items()}),
                flush=True,
            )
            rows[name].append(res)
    if args.only_b:
        return
    print("median B/A:")
    for key in rows["A"][0]:
        a = statistics.median(x[key] for x in rows["A"])
        b = statistics.median(x[key] for x in rows["B"])
        print(f"  {key}: A {a:,.1f}  B {b:,.1f}  B/A {b / a if a else float('nan'):.2f}")


if __name__ == "__main__":
    main()
