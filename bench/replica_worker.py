"""One consumer replica of the replica-scaling benchmark, in its own process.

    python bench/replica_worker.py DATABASE_URL BOOTSTRAP TOPIC GROUP NAME

The same consumer as ``event_throughput`` (``KafkaConsumerRunner`` + ``EventProcessor``, snapshot
inbox, the probe's batch handler). Prints ``partitions [..]`` whenever the group changes this
member's partitions; joins the group on a first line from stdin (``loaded`` says it waits for
it) and stops at end of input, printing a JSON line of its counters.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys

import uvloop

from streetlevel.common.bus.kafka import KafkaConsumerRunner
from streetlevel.common.consumer import EventProcessor
from streetlevel.common.db import create_engine, session_factory
from streetlevel.testing.probe import Probe


async def _watch(runner: KafkaConsumerRunner, done: asyncio.Task[str]) -> None:
    """Report this member's partitions each time they change (the bench waits for balance)."""
    owned: list[int] | None = None
    while not done.done():
        now = sorted(tp.partition for tp in runner._consumer.assignment())
        if now != owned:
            owned = now
            print(f"partitions {json.dumps(owned)}", flush=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(done), 0.02)


async def consume(url: str, bootstrap: str, topic: str, group: str, name: str) -> None:
    probe = Probe()
    engine = create_engine(url, pool_size=5)
    processor = EventProcessor(
        name=group,
        sessions=session_factory(engine),
        tables=probe.inbox,
        handler_many=probe.handle_many,
        kind="snapshot",
        dead_letters=None,
    )
    runner = KafkaConsumerRunner(
        bootstrap=bootstrap, group=group, topics=[topic], processor=processor, client_id=name
    )
    print("loaded", flush=True)
    await asyncio.to_thread(sys.stdin.readline)  # every member joins on the same cue
    await runner.start()
    done = asyncio.create_task(asyncio.to_thread(sys.stdin.readline))
    await _watch(runner, done)
    await runner.stop()
    print(json.dumps({"batches": runner.batches}), flush=True)
    await engine.dispose()


def main() -> None:
    url, bootstrap, topic, group, name = sys.argv[1:6]
    uvloop.run(consume(url, bootstrap, topic, group, name))


if __name__ == "__main__":
    main()
