"""OpenTelemetry tracing, off by default, configured only by the standard ``OTEL_*`` variables.

Spans are made by hand at a few places (the edge, the proxy hop, the commit, the relay, the
consumer): W3C ``traceparent`` strings in ``context.traceparent`` carry the current span, so
the outbox, logs and the proxy already propagate it. A span sets that variable while it is
open; with tracing off every call here is one dictionary lookup and returns a shared no-op.

Tracing is on when ``OTEL_TRACES_EXPORTER`` names an exporter (``otlp`` or ``console``) and
``OTEL_SDK_DISABLED`` is not ``true``; the exporter reads ``OTEL_EXPORTER_OTLP_*`` and the
sampler ``OTEL_TRACES_SAMPLER``/``OTEL_TRACES_SAMPLER_ARG`` (default parent-based always-on).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.trace import Link, NonRecordingSpan, Span, SpanContext, SpanKind, TraceFlags

from streetlevel.common import context

if TYPE_CHECKING:
    # The SDK is imported only when tracing is switched on (``setup``): with tracing off, as
    # by default, a service never loads it.
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_NOOP: AbstractContextManager[None] = nullcontext()

_providers: dict[str, TracerProvider] = {}
#: How many lifespans hold each service's provider (the gateway and its feed writer share one).
_holders: dict[str, int] = {}
_tracers: dict[str, trace.Tracer] = {}
#: Set by tests: every service set up afterwards exports here, whatever the environment says.
_exporter_override: SpanExporter | None = None

SERVER, CLIENT, INTERNAL = SpanKind.SERVER, SpanKind.CLIENT, SpanKind.INTERNAL
PRODUCER, CONSUMER = SpanKind.PRODUCER, SpanKind.CONSUMER


def export_to(exporter: SpanExporter | None) -> None:
    """Tests: send the spans of services set up from now on to ``exporter`` (None: back to env)."""
    global _exporter_override
    _exporter_override = exporter


def _exporter(environ: Mapping[str, str]) -> tuple[SpanExporter, bool] | None:
    """The configured exporter and whether to batch, or None when tracing is off."""
    if _exporter_override is not None:
        return _exporter_override, False
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    name = environ.get("OTEL_TRACES_EXPORTER", "none").strip().lower()
    if name in ("", "none"):
        return None
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter(), False
    if name == "otlp":
        protocol = environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or environ.get(
            "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"
        )
        if protocol != "http/protobuf":
            raise ValueError(f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r}: only http/protobuf")
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = env_endpoint(environ)
        return OTLPSpanExporter(endpoint=endpoint), True
    raise ValueError(f"OTEL_TRACES_EXPORTER={name!r}: use otlp, console or none")


def env_endpoint(environ: Mapping[str, str]) -> str | None:
    """The traces URL the standard variables name (None: the exporter's own default)."""
    if url := environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        return url
    if base := environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return base.rstrip("/") + "/v1/traces"
    return None


def setup(service: str, environ: Mapping[str, str] | None = None) -> bool:
    """Start tracing for ``service`` if the environment asks for it; True when it is on."""
    if service in _tracers:
        _holders[service] += 1
        return True
    env = os.environ if environ is None else environ
    chosen = _exporter(env)
    if chosen is None:
        return False
    exporter, batch = chosen
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    name = env.get("OTEL_SERVICE_NAME") or f"streetlevel-{service}"
    # Not the global provider: embedded mode runs every service in one process, each its own.
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(
        BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
    )
    _providers[service] = provider
    _tracers[service] = provider.get_tracer("streetlevel.common.tracing")
    _holders[service] = 1
    return True


def shutdown(service: str) -> None:
    """Flush and stop ``service``'s spans once the last lifespan holding them ends."""
    _holders[service] = _holders.get(service, 1) - 1
    if _holders[service] > 0:
        return
    del _holders[service]
    _tracers.pop(service, None)
    provider = _providers.pop(service, None)
    if provider is not None:
        provider.shutdown()


def enabled(service: str) -> bool:
    return service in _tracers


def span_context(traceparent: str | None) -> SpanContext | None:
    """The remote span context of a W3C ``traceparent``, or None if absent or malformed."""
    match = _TRACEPARENT.match(traceparent) if traceparent else None
    if match is None:
        return None
    trace_id, span_id, flags = match.groups()
    return SpanContext(int(trace_id, 16), int(span_id, 16), True, TraceFlags(int(flags, 16)))


def traceparent_of_context(sc: SpanContext) -> str:
    return f"00-{sc.trace_id:032x}-{sc.span_id:016x}-{int(sc.trace_flags):02x}"


def traceparent_of(span: Span) -> str:
    return traceparent_of_context(span.get_span_context())


def start(
    service: str,
    name: str,
    *,
    kind: SpanKind = INTERNAL,
    parent: str | None = None,
    links: Iterable[str | None] = (),
    attributes: Mapping[str, Any] | None = None,
) -> Span | None:
    """Start a span under ``parent`` (a traceparent), or None when ``service`` is not traced."""
    tracer = _tracers.get(service)
    if tracer is None:
        return None
    sc = span_context(parent)
    ctx = trace.set_span_in_context(NonRecordingSpan(sc)) if sc is not None else None
    linked = [Link(c) for c in (span_context(t) for t in links) if c is not None]
    return tracer.start_span(name, ctx, kind, attributes, linked or None)


def end_request(span: Span, scope: Mapping[str, Any], status: int) -> None:
    """End an edge's server span, named by its route template (never the raw path)."""
    route = getattr(scope.get("route"), "path", None) or "unmatched"
    span.update_name(f"{scope['method']} {route}")
    span.set_attribute("http.request.method", scope["method"])
    span.set_attribute("http.route", route)
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(trace.StatusCode.ERROR)
    span.end()


def span(
    service: str,
    name: str,
    *,
    kind: SpanKind = INTERNAL,
    parent: str | None = None,
    links: Iterable[str | None] = (),
    attributes: Mapping[str, Any] | None = None,
) -> AbstractContextManager[Span | None]:
    """A span current in ``context.traceparent`` while open; parent defaults to the current."""
    if service not in _tracers:
        return _NOOP
    return _current(
        service,
        name,
        kind=kind,
        parent=context.traceparent.get() if parent is None else parent,
        links=links,
        attributes=attributes,
    )


@contextmanager
def _current(service: str, name: str, **options: Any) -> Iterator[Span | None]:
    opened = start(service, name, **options)
    assert opened is not None
    token = context.traceparent.set(traceparent_of(opened))
    try:
        yield opened
    except BaseException as exc:
        opened.record_exception(exc)
        opened.set_status(trace.StatusCode.ERROR, type(exc).__name__)
        raise
    finally:
        context.traceparent.reset(token)
        opened.end()
