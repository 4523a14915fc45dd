"""Test-only entry point: a service's real app with one deterministic crash point (SIGKILL).

    FAULT=consumer-commit FAULT_TOPIC=<topic> FAULT_AT=<n>  die in the n-th offset commit for a
        partition of the topic, after its batch's database transaction committed and before the
        offset is stored
    FAULT=relay-mark FAULT_AT=<n>  die in the n-th mark_published, after the broker acknowledged
        the batch and before the rows are marked

Production code has no flag for this: the subclasses replace the runtime's classes here only.
"""

from __future__ import annotations

import argparse
import os
import signal
from collections.abc import Sequence

import uvicorn
from aiokafka import TopicPartition

from streetlevel.common import relay_thread, runtime
from streetlevel.common.bus.kafka import KafkaConsumerRunner
from streetlevel.common.outbox import OutboxRelay

AT = int(os.environ.get("FAULT_AT", "1"))


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class CrashingRunner(KafkaConsumerRunner):
    """Commits offsets like the real runner, except that the n-th commit for a topic kills us."""

    calls = 0

    async def commit_offset(self, tp: TopicPartition, offset: int) -> None:
        if tp.topic == os.environ["FAULT_TOPIC"]:
            CrashingRunner.calls += 1
            if CrashingRunner.calls >= AT:
                die()
        await super().commit_offset(tp, offset)


class CrashingRelay(OutboxRelay):
    """Marks rows like the real relay, except that the n-th marking kills us."""

    calls = 0

    async def mark_published(self, ids: list[int]) -> None:
        CrashingRelay.calls += 1
        if CrashingRelay.calls >= AT:
            die()
        await super().mark_published(ids)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    fault = os.environ["FAULT"]
    if fault == "consumer-commit":
        runtime.KafkaConsumerRunner = CrashingRunner  # type: ignore[misc]
    elif fault == "relay-mark":
        # Where every service's relay is built (configured_relay), on either loop.
        relay_thread.OutboxRelay = CrashingRelay  # type: ignore[misc]
    else:
        raise SystemExit(f"unknown FAULT {fault!r}")
    service = os.environ["FAULT_SERVICE"]
    uvicorn.run(
        f"streetlevel.{service}.app:create_app",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=1,
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
