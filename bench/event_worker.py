"""One side of the event-throughput benchmark in its own process: the relay or the consumer.

    python bench/event_worker.py relay|consumer DATABASE_URL BOOTSTRAP TOPIC_PREFIX

Prints ``ready`` once connected (the consumer: once it has its partitions), starts work on a
``go`` line from stdin, and stops at end of input, printing a JSON line of its counters.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import uvloop

from streetlevel.common.bus.kafka import KafkaConsumerRunner, KafkaPublisher
from streetlevel.common.consumer import EventProcessor
from streetlevel.common.db import asyncpg_dsn, create_engine, session_factory
from streetlevel.common.lease import PostgresLease
from streetlevel.common.outbox import OutboxRelay, notify_channel
from streetlevel.testing.probe import TOPIC, Probe

GROUP = "bench-probe"


async def _line() -> str:
    line: str = await asyncio.to_thread(sys.stdin.readline)
    return line.strip()


async def relay(url: str, bootstrap: str, prefix: str) -> dict[str, float]:
    probe = Probe()
    engine = create_engine(url, pool_size=5)
    publisher = KafkaPublisher(bootstrap, client_id="bench-relay", topic_prefix=prefix)
    await publisher.start()
    lease = PostgresLease(asyncpg_dsn(url), name="relay:probe", channel=notify_channel("probe"))
    worker = OutboxRelay(
        engine=engine,
        table=probe.outbox,
        publisher=publisher,
        lease=lease,
        service="probe",
        poll_interval_s=0.1,
    )
    print("ready", flush=True)
    await _line()
    t0 = time.perf_counter()
    await worker.start()
    seen = -1
    # Counting the backlog scans the outbox: only once the relay has stopped making progress.
    while worker.published != seen or await worker.backlog() > 0:
        seen = worker.published
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - t0
    print(json.dumps({"published": worker.published, "seconds": elapsed}), flush=True)
    await _line()
    await worker.stop()
    await publisher.stop()
    await engine.dispose()
    return {}


async def consumer(url: str, bootstrap: str, prefix: str) -> None:
    probe = Probe()
    engine = create_engine(url, pool_size=5)
    processor = EventProcessor(
        name=GROUP,
        sessions=session_factory(engine),
        tables=probe.inbox,
        handler_many=probe.handle_many,
        kind="snapshot",
        dead_letters=None,
    )
    runner = KafkaConsumerRunner(
        bootstrap=bootstrap,
        group=GROUP,
        topics=[prefix + TOPIC],
        processor=processor,
        client_id="bench-consumer",
    )
    await runner.start()
    # The group has given us the partitions; aiokafka offers no event for that.
    while not runner._consumer.assignment():  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    print("ready", flush=True)
    await _line()
    await runner.stop()
    print(json.dumps({"batches": runner.batches}), flush=True)
    await engine.dispose()


def main() -> None:
    role, url, bootstrap, prefix = sys.argv[1:5]
    work = relay if role == "relay" else consumer
    uvloop.run(work(url, bootstrap, prefix))


if __name__ == "__main__":
    main()
