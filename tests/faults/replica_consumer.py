"""Test-only: one consumer replica of the backbone probe, in its own process.

    python replica_consumer.py --url URL --bootstrap HOST:PORT --topic T --group G --name N
        --deliveries FILE

The production consumer path (``KafkaConsumerRunner`` + ``EventProcessor``, a ledger inbox) with
a batch handler that appends one row per applied event to ``replica_applications`` (a bigserial
gives the order of application, ``replica`` who applied it), in the inbox's transaction. Every
delivery's partition and offset is appended to FILE before it is processed, so redeliveries
after a crash can be counted. SIGTERM stops it cleanly; the fault test SIGKILLs it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Sequence
from typing import IO

import uvloop
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.bus.kafka import KafkaConsumerRunner
from streetlevel.common.consumer import Delivery, EventProcessor
from streetlevel.common.db import create_engine, session_factory
from streetlevel.common.events import Envelope
from streetlevel.testing.probe import Probe

INSERT = text(
    "INSERT INTO replica_applications (event_id, subject, sequence, replica) "
    "VALUES (:event_id, :subject, :sequence, :replica)"
)


class LoggedProcessor(EventProcessor):
    """Notes every delivery (partition offset) in a file before applying the batch."""

    log: IO[str]

    async def process(self, deliveries: Sequence[Delivery]) -> None:
        self.log.write("".join(f"{d.partition} {d.offset}\n" for d in deliveries))
        self.log.flush()  # a SIGKILL right after must not lose the note
        await super().process(deliveries)


async def _assignments(runner: KafkaConsumerRunner, stop: asyncio.Event) -> None:
    """Log this member's partitions whenever the group changes them (for the test's log)."""
    owned: list[int] = []
    while not stop.is_set():
        now = sorted(tp.partition for tp in runner._consumer.assignment())
        if now != owned:
            owned = now
            print(f"partitions {owned}", flush=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)


async def run(args: argparse.Namespace, log: IO[str]) -> None:
    engine = create_engine(args.url, pool_size=2)

    async def record(session: AsyncSession, events: Sequence[Envelope]) -> None:
        rows = [
            {"event_id": e.id, "subject": e.subject, "sequence": e.seq, "replica": args.name}
            for e in events
        ]
        if rows:
            await session.execute(INSERT, rows)

    processor = LoggedProcessor(
        name=args.group,
        sessions=session_factory(engine),
        tables=Probe().inbox,
        handler_many=record,
        kind="ledger",
        dead_letters=None,
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    processor.log = log
    runner = KafkaConsumerRunner(
        bootstrap=args.bootstrap,
        group=args.group,
        topics=[args.topic],
        processor=processor,
        client_id=args.name,
        max_records=200,
    )
    await runner.start()
    print("joined", flush=True)
    watch = asyncio.create_task(_assignments(runner, stop))
    await stop.wait()
    await watch
    await runner.stop()
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    for option in ("--url", "--bootstrap", "--topic", "--group", "--name", "--deliveries"):
        parser.add_argument(option, required=True)
    args = parser.parse_args()
    with open(args.deliveries, "a") as log:
        uvloop.run(run(args, log))


if __name__ == "__main__":
    main()
