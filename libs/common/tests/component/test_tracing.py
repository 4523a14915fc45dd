"""Tracing: off by default, and a consumer continues the event's trace into its own outbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import select

from streetlevel.common import context, tracing
from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import FrozenClock
from streetlevel.common.consumer import Delivery
from streetlevel.common.events import Envelope, envelope_for
from streetlevel.common.runtime import Runtime
from streetlevel.common.settings import CommonSettings
from streetlevel.common.uow import UnitOfWork
from streetlevel.testing.probe import TOPIC, Probe, Thing

WRITER_A = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
WRITER_B = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


class Echo(Thing):
    """What the consumer records in its own outbox."""


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    spans = InMemorySpanExporter()
    tracing.export_to(spans)
    try:
        yield spans
    finally:
        tracing.export_to(None)


def test_tracing_is_off_unless_the_standard_variables_turn_it_on() -> None:
    assert tracing.setup("quiet", environ={}) is False
    assert tracing.setup("quiet", environ={"OTEL_TRACES_EXPORTER": "none"}) is False
    disabled = {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_SDK_DISABLED": "true"}
    assert tracing.setup("quiet", environ=disabled) is False
    assert not tracing.enabled("quiet")
    assert tracing.start("quiet", "nothing") is None
    with pytest.raises(ValueError, match="OTEL_TRACES_EXPORTER"):
        tracing.setup("quiet", environ={"OTEL_TRACES_EXPORTER": "zipkin"})
    with pytest.raises(ValueError, match="http/protobuf"):
        tracing.setup(
            "quiet",
            environ={"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
        )


def test_the_endpoint_follows_the_standard_variables() -> None:
    base = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"}
    assert tracing.env_endpoint(base) == "http://collector:4318/v1/traces"
    own = {**base, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://other:4318/t"}
    assert tracing.env_endpoint(own) == "http://other:4318/t"
    assert tracing.env_endpoint({}) is None


def test_a_span_is_current_while_open_and_a_malformed_parent_starts_a_new_trace(
    exporter: InMemorySpanExporter,
) -> None:
    assert tracing.setup("spans")
    try:
        with tracing.span("spans", "outer", parent=WRITER_A) as outer:
            assert outer is not None
            assert context.traceparent.get() == tracing.traceparent_of(outer)
            with tracing.span("spans", "inner"):
                pass
        with tracing.span("spans", "fresh", parent="00-nonsense"):
            pass
    finally:
        tracing.shutdown("spans")
    by_name = {s.name: s for s in exporter.get_finished_spans()}
    assert by_name["outer"].context.trace_id == int(WRITER_A[3:35], 16)
    assert by_name["outer"].parent is not None
    assert by_name["outer"].parent.span_id == int(WRITER_A[36:52], 16)
    assert by_name["inner"].parent is not None
    assert by_name["inner"].parent.span_id == by_name["outer"].context.span_id
    assert by_name["fresh"].parent is None
    assert by_name["outer"].resource.attributes["service.name"] == "streetlevel-spans"
    assert not tracing.enabled("spans")


def _harness(tmp_path: Path) -> tuple[Runtime, Probe]:
    probe = Probe()
    settings = CommonSettings(
        service_name="probe", database_url=f"sqlite+aiosqlite:///{tmp_path}/probe.db"
    )
    runtime = Runtime(
        settings,
        outbox=probe.outbox,
        inbox=probe.inbox,
        clock=FrozenClock(),
        memory_bus=MemoryBus(),
    )

    async def echo(uow: UnitOfWork, event: Envelope) -> None:
        async with uow:
            await probe.handle(uow.session, event)
            echoed = Echo(id=event.data["thing_id"])
            echoed.change()
            uow.track(echoed)
            await uow.commit()

    runtime.subscribe("probe-consumer", [TOPIC], echo, kind="snapshot")
    return runtime, probe


def _delivery(thing_id: str, traceparent: str) -> Delivery:
    thing = Thing(id=thing_id)
    thing.change()
    [pending] = thing.take_events()
    env = envelope_for(pending, source="/test", time=FrozenClock().now(), traceparent=traceparent)
    return Delivery(topic=TOPIC, key=thing_id, value=env.to_json())


async def _outbox_traces(runtime: Runtime, probe: Probe) -> dict[str, str | None]:
    async with runtime.sessions() as session:
        payloads = (await session.execute(select(probe.outbox.c.payload))).scalars().all()
    events = [Envelope.from_json(bytes(p)) for p in payloads]
    return {e.data["thing_id"]: e.traceparent for e in events}


async def test_the_consumer_continues_the_event_trace_into_its_own_outbox(
    tmp_path: Path, exporter: InMemorySpanExporter
) -> None:
    runtime, probe = _harness(tmp_path)
    await probe.create_all(runtime.engine)
    assert tracing.setup("probe")
    try:
        processor = runtime._processor(runtime.consumer_specs[0], dead_letters=None)
        await processor.process([_delivery("a", WRITER_A)])
    finally:
        tracing.shutdown("probe")
    spans = {s.name: s for s in exporter.get_finished_spans()}
    consume = spans["consume probe-consumer"]
    handle = spans["handle org.streetlevel.probe.thing.changed.v1"]
    assert consume.kind is SpanKind.CONSUMER
    assert consume.context.trace_id == int(WRITER_A[3:35], 16)
    assert consume.parent is not None
    assert consume.parent.span_id == int(WRITER_A[36:52], 16)
    assert handle.parent is not None
    assert handle.parent.span_id == consume.context.span_id
    # The handler's own event carries its span: the next consumer continues the same trace.
    assert (await _outbox_traces(runtime, probe))["a"] == tracing.traceparent_of_context(
        handle.context
    )
    await runtime.engine.dispose()


async def test_a_batch_joining_two_traces_links_both_and_each_handler_keeps_its_own(
    tmp_path: Path, exporter: InMemorySpanExporter
) -> None:
    runtime, probe = _harness(tmp_path)
    await probe.create_all(runtime.engine)
    assert tracing.setup("probe")
    try:
        processor = runtime._processor(runtime.consumer_specs[0], dead_letters=None)
        await processor.process([_delivery("a", WRITER_A), _delivery("b", WRITER_B)])
    finally:
        tracing.shutdown("probe")
    finished = exporter.get_finished_spans()
    [consume] = [s for s in finished if s.name == "consume probe-consumer"]
    assert consume.parent is None
    assert [link.context.span_id for link in consume.links] == [
        int(WRITER_A[36:52], 16),
        int(WRITER_B[36:52], 16),
    ]
    handles = [s for s in finished if s.name.startswith("handle ")]
    assert {h.context.trace_id for h in handles} == {
        int(WRITER_A[3:35], 16),
        int(WRITER_B[3:35], 16),
    }
    for handle in handles:
        assert handle.parent is not None
        assert [link.context.span_id for link in handle.links] == [consume.context.span_id]
    await runtime.engine.dispose()


async def test_with_tracing_off_the_handler_still_carries_the_event_traceparent(
    tmp_path: Path,
) -> None:
    runtime, probe = _harness(tmp_path)
    await probe.create_all(runtime.engine)
    processor = runtime._processor(runtime.consumer_specs[0], dead_letters=None)
    await processor.process([_delivery("a", WRITER_A)])
    assert (await _outbox_traces(runtime, probe))["a"] == WRITER_A
    await runtime.engine.dispose()
