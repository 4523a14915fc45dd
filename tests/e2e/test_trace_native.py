"""One trace across real processes and a real Kafka broker, exported over OTLP/HTTP.

The embedded test (tests/platform/test_tracing.py) proves the tree in one process; this one
proves the same tree when the gateway, the registry and the consumers are separate processes
and the `traceparent` crosses HTTP and Kafka. The services restart with the standard `OTEL_*`
variables pointing at a receiver that decodes the official `opentelemetry-proto` messages,
and restart without them afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from streetlevel_e2e_harness.actors import Cast, new_client
from streetlevel_e2e_harness.api import Api
from streetlevel_e2e_harness.platform import Platform

from streetlevel.testing.otlp import Receiver, receiving

CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"
TRACED = ("gateway", "registry", "commissioning")


@pytest.fixture
def traced(platform: Platform) -> Iterator[Receiver]:
    """The traced services export to a receiver for the test, then run untraced again."""
    with receiving() as server:
        otel = {
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_ENDPOINT": server.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        }
        try:
            for name in TRACED:
                platform.restart(name, extra=otel)
            yield server
        finally:
            for name in TRACED:
                platform.restart(name)


def _one(spans: list[tuple[str, Span]], service: str, name: str) -> Span:
    found = [s for who, s in spans if who == service and s.name == name]
    assert len(found) == 1, sorted((who, s.name) for who, s in spans)
    return found[0]


async def test_a_registration_is_one_trace_across_processes_and_kafka(
    gateway: Api, cast: Cast, traced: Receiver
) -> None:
    actor = await new_client(gateway, cast.registrar, "enterprise", "Traced Across Kafka CIC")
    await gateway.login(actor)
    created = await gateway.post(
        "/v1/enterprises",
        actor,
        json={
            "name": "Traced Across Kafka Group",
            "legal_form": "unincorporated_association",
            "contact": {"email": "trace@kafka.example"},
        },
        headers={"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"},
        expect=201,
    )
    assert created.json()["status"] == "pending"
    trace_id = bytes.fromhex(CLIENT_TRACE)

    def consumers() -> set[str]:
        return {
            who
            for who, s in list(traced.spans)
            if s.trace_id == trace_id and s.kind == Span.SPAN_KIND_CONSUMER
        }

    for _ in range(600):  # exported in batches, after Kafka delivered the event
        if {"commissioning", "gateway"} <= consumers():
            break
        await asyncio.sleep(0.1)
    mine = [(who, s) for who, s in list(traced.spans) if s.trace_id == trace_id]
    assert {"commissioning", "gateway"} <= consumers(), sorted((w, s.name) for w, s in mine)

    edge = _one(mine, "gateway", "POST /registry/*")
    assert edge.parent_span_id.hex() == CLIENT_SPAN
    hop = _one(mine, "gateway", "proxy registry")
    assert hop.parent_span_id == edge.span_id
    service = _one(mine, "registry", "POST /v1/enterprises")
    assert service.parent_span_id == hop.span_id, "the traceparent crossed HTTP"
    commit = _one(mine, "registry", "commit")
    assert commit.parent_span_id == service.span_id
    # The relay publishes in its own trace, linked to the commit it carried to Kafka.
    relayed = [
        s
        for who, s in traced.spans
        if who == "registry"
        and s.kind == Span.SPAN_KIND_PRODUCER
        and any(link.span_id == commit.span_id for link in s.links)
    ]
    assert len(relayed) == 1
    # Each consumer, in its own process, continues the trace from the event's traceparent.
    for consumer in ("commissioning", "gateway"):
        consumes = [s for who, s in mine if who == consumer and s.kind == Span.SPAN_KIND_CONSUMER]
        assert len(consumes) == 1, [s.name for s in consumes]
        assert consumes[0].parent_span_id == commit.span_id, "the traceparent crossed Kafka"
        handles = [s for _, s in mine if s.parent_span_id == consumes[0].span_id]
        assert [h.name.split(" ")[0] for h in handles] == ["handle"]
    exported = str([(s.name, list(s.attributes)) for _, s in traced.spans])
    assert "trace@kafka.example" not in exported, "personal data never reaches a span"
