"""One trace from the gateway to the consumers, captured in memory on the embedded platform.

Embedded mode runs the same edge, proxy hop, unit of work, relay and consumer code as the
distributed stack; only the bus is in-process instead of Kafka, so the tree is the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from streetlevel.common import tracing

CLIENT_TRACE = "5b8efff798038103d269b633813fc60c"
CLIENT = f"00-{CLIENT_TRACE}-eee19b7ec3c1b174-01"
ENTERPRISE = {
    "name": "Bispham Green Skills CIC",
    "legal_form": "cic_limited_by_shares",
    "identifier": {"scheme": "GB-COH", "id": "14239999"},
    "themes": ["environment"],
    "contact": {"email": "hello@bispham.example"},
}


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    spans = InMemorySpanExporter()
    tracing.export_to(spans)
    try:
        yield spans
    finally:
        tracing.export_to(None)


def _service(span: ReadableSpan) -> str:
    return str(span.resource.attributes["service.name"]).removeprefix("streetlevel-")


def _one(spans: Sequence[ReadableSpan], service: str, name: str) -> ReadableSpan:
    found = [s for s in spans if _service(s) == service and s.name == name]
    assert len(found) == 1, [(_service(s), s.name) for s in spans]
    return found[0]


def _parent_of(child: ReadableSpan) -> int | None:
    return child.parent.span_id if child.parent is not None else None


def render(spans: Sequence[ReadableSpan], trace_id: int) -> str:
    """The trace as an indented tree (what docs/operations.md shows), links in brackets."""
    mine = [s for s in spans if s.context.trace_id == trace_id]
    ids = {s.context.span_id for s in mine}
    names = {s.context.span_id: f"{_service(s)}: {s.name}" for s in spans}
    lines: list[str] = []

    def walk(parent: int | None, depth: int) -> None:
        for s in sorted(mine, key=lambda s: s.start_time or 0):
            if (_parent_of(s) if _parent_of(s) in ids else None) == parent:
                kind = s.kind.name.lower()
                lines.append(f"{'  ' * depth}{_service(s)}: {s.name} ({kind})")
                walk(s.context.span_id, depth + 1)

    walk(None, 0)
    for s in spans:
        linked = [names.get(link.context.span_id, "?") for link in s.links]
        if any(link.context.trace_id == trace_id for link in s.links):
            lines.append(f"{_service(s)}: {s.name} ({s.kind.name.lower()}) [links: {linked}]")
    return "\n".join(lines)


async def test_a_registration_is_one_trace_from_the_gateway_to_commissioning_and_the_feed(
    platform_factory, exporter: InMemorySpanExporter
) -> None:
    async with platform_factory() as gw:
        headers = {**await gw.bearer("enterprise"), "traceparent": CLIENT}
        exporter.clear()
        created = await gw.http.post("/v1/enterprises", json=ENTERPRISE, headers=headers)
        assert created.status_code == 201, created.text
        trace_id = int(CLIENT_TRACE, 16)
        for _ in range(300):  # the relays deliver after commit, in the background
            spans = exporter.get_finished_spans()
            seen = {
                _service(s)
                for s in spans
                if s.kind is SpanKind.CONSUMER and s.context.trace_id == trace_id
            }
            relayed = any(
                s.kind is SpanKind.PRODUCER and any(k.context.trace_id == trace_id for k in s.links)
                for s in spans
            )
            if {"commissioning", "gateway"} <= seen and relayed:
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError(f"consumers never joined the trace: {render(spans, trace_id)}")
    spans = exporter.get_finished_spans()
    print(render(spans, trace_id))

    # The gateway names its proxied routes by service (bounded, as its metrics label them).
    edge = _one(spans, "gateway", "POST /registry/*")
    assert edge.kind is SpanKind.SERVER
    assert edge.context.trace_id == trace_id
    assert _parent_of(edge) == int(CLIENT[36:52], 16)  # the client's span
    assert edge.attributes is not None
    assert edge.attributes["http.response.status_code"] == 201
    hop = _one(spans, "gateway", "proxy registry")
    assert (hop.kind, _parent_of(hop)) == (SpanKind.CLIENT, edge.context.span_id)
    service = _one(spans, "registry", "POST /v1/enterprises")
    assert (service.kind, _parent_of(service)) == (SpanKind.SERVER, hop.context.span_id)
    commit = _one(spans, "registry", "commit")
    assert _parent_of(commit) == service.context.span_id
    # The relay's span is its own (it publishes whatever is committed), linked to the writer.
    relays = [
        s
        for s in spans
        if _service(s) == "registry"
        and s.kind is SpanKind.PRODUCER
        and commit.context.span_id in {link.context.span_id for link in s.links}
    ]
    assert len(relays) == 1
    assert relays[0].name == "publish registry"
    # Each consumer continues the writer's trace: its parent is the commit the event carries.
    for consumer in ("commissioning", "gateway"):
        consumes = [
            s
            for s in spans
            if _service(s) == consumer
            and s.kind is SpanKind.CONSUMER
            and s.context.trace_id == trace_id
        ]
        assert len(consumes) == 1, [s.name for s in consumes]
        assert _parent_of(consumes[0]) == commit.context.span_id
        handles = [s for s in spans if _parent_of(s) == consumes[0].context.span_id]
        assert [h.name.split(" ")[0] for h in handles] == ["handle"]
    assert "hello@bispham.example" not in str([dict(s.attributes or {}) for s in spans])
