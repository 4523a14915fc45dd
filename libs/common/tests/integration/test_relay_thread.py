"""The runtime's relay on a loop of its own (Kafka on PostgreSQL): woken across threads by
commits, one relay per service under the lease, and nothing left running after stop."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import Any

from streetlevel.common.relay_thread import RelayThread
from streetlevel.common.runtime import Runtime
from streetlevel.common.settings import CommonSettings
from streetlevel.testing.probe import TOPIC, Probe, Thing
from streetlevel.testing.topics import read_records
from streetlevel.testing.waiting import eventually


def _settings(url: str, bootstrap: str, prefix: str, **overrides: Any) -> CommonSettings:
    values: dict[str, Any] = {
        "service_name": "probe",
        "database_url": url,
        "bus": "kafka",
        "kafka_bootstrap_servers": bootstrap,
        "kafka_topic_prefix": prefix,
        # No poll: only a commit's wake (across threads) or its NOTIFY can start a batch.
        "outbox_poll_interval_s": 60,
        "outbox_relay_thread": True,
    }
    return CommonSettings(**(values | overrides))


async def _commit(runtime: Runtime, ids: list[str]) -> None:
    async with runtime.uow() as uow:
        for id_ in ids:
            thing = Thing(id=id_)
            thing.change()
            uow.track(thing)
        await uow.commit()


def _when(predicate: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return predicate()

    return check


def _relay_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("outbox-relay-")]


async def test_commits_wake_the_threaded_relay_and_stop_leaves_no_thread(
    pg_database_factory: Any, kafka_broker: Any, topic_prefix: str
) -> None:
    probe = Probe()
    url = await pg_database_factory("probe_relay_thread", prepare=probe.create_at)
    runtime = Runtime(
        _settings(url, kafka_broker.bootstrap, topic_prefix),
        outbox=probe.outbox,
        publishes=[TOPIC],
    )
    before = _relay_threads()
    await runtime.start()
    try:
        assert isinstance(runtime.relay, RelayThread)
        assert _relay_threads() == [*before, "outbox-relay-probe"]
        await eventually(_when(lambda: runtime.relay is not None and runtime.relay.is_active))
        ids = [f"t{i}" for i in range(40)]
        for start in range(0, 40, 10):
            await _commit(runtime, ids[start : start + 10])
        # Published within the wait, with a 60 s poll: the commits woke the other loop.
        await eventually(_when(lambda: runtime.relay is not None and runtime.relay.published == 40))
        assert await runtime.relay.backlog() == 0
        records = await read_records(kafka_broker.bootstrap, topic_prefix + TOPIC, 40)
        assert sorted(r.key.decode() for r in records) == sorted(ids)
    finally:
        await runtime.stop()
    assert _relay_threads() == before


async def test_two_runtimes_share_one_lease_and_the_standby_publishes_after_the_first_stops(
    pg_database_factory: Any, kafka_broker: Any, topic_prefix: str
) -> None:
    probe = Probe()
    url = await pg_database_factory("probe_relay_thread_two", prepare=probe.create_at)
    first, second = (
        Runtime(
            _settings(url, kafka_broker.bootstrap, topic_prefix, outbox_poll_interval_s=0.2),
            outbox=probe.outbox,
            publishes=[TOPIC],
        )
        for _ in range(2)
    )
    await first.start()
    await second.start()
    try:
        assert first.relay is not None
        assert second.relay is not None
        await eventually(_when(lambda: first.relay is not None and first.relay.is_active))
        assert not second.relay.is_active  # one relay per service, whichever loop runs it
        await _commit(second, ["a1", "a2"])  # written by one replica, published by the other
        await eventually(_when(lambda: first.relay is not None and first.relay.published == 2))
        await first.stop()  # releases the lease from its thread
        await eventually(_when(lambda: second.relay is not None and second.relay.is_active))
        await _commit(second, ["b1"])
        await eventually(_when(lambda: second.relay is not None and second.relay.published == 1))
        records = await read_records(kafka_broker.bootstrap, topic_prefix + TOPIC, 3)
        assert sorted(r.key.decode() for r in records) == ["a1", "a2", "b1"]  # keys on 3 partitions
    finally:
        await second.stop()
        if first.started:
            await first.stop()
