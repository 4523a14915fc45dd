"""OTLP export, configured by the standard variables, received by a real OTLP/HTTP receiver.

No OpenTelemetry Collector installs from the package registries without building it with Go,
so the receiver (``streetlevel.testing.otlp``) decodes the official ``opentelemetry-proto``
messages.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from streetlevel.common import tracing
from streetlevel.common.web import EdgeMiddleware
from streetlevel.testing.otlp import Receiver, receiving

CLIENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as server:
        yield server


async def test_a_request_span_is_exported_over_otlp_http_to_the_configured_endpoint(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{receiver.server_port}")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "streetlevel-otlp-probe")

    async def hello(_request: object) -> PlainTextResponse:
        with tracing.span("otlp", "commit"):
            return PlainTextResponse("hello")

    app = EdgeMiddleware(Starlette(routes=[Route("/hello/{name}", hello)]), service="otlp")
    assert tracing.setup("otlp")
    try:
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://svc") as http:
            response = await http.get("/hello/someone", headers={"traceparent": CLIENT})
        assert response.status_code == 200
    finally:
        tracing.shutdown("otlp")  # flushes the batch to the receiver

    assert len(receiver.requests) == 1
    path, content_type, message = receiver.requests[0]
    assert (path, content_type) == ("/v1/traces", "application/x-protobuf")
    [resource_spans] = message.resource_spans
    attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert attributes["service.name"] == "streetlevel-otlp-probe"
    spans = {s.name: s for scope in resource_spans.scope_spans for s in scope.spans}
    assert set(spans) == {"GET /hello/{name}", "commit"}
    server, commit = spans["GET /hello/{name}"], spans["commit"]
    assert server.trace_id.hex() == CLIENT[3:35]
    assert server.parent_span_id.hex() == CLIENT[36:52]
    assert commit.parent_span_id == server.span_id
    status = {a.key: a.value.int_value for a in server.attributes}
    assert status["http.response.status_code"] == 200
    # The route template names the span; the raw path (which may carry ids) is not exported.
    assert "someone" not in str(message)
