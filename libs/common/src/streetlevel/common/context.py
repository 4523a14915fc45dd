"""Per-request and per-event context carried into logs and events (contextvars)."""

from __future__ import annotations

from contextvars import ContextVar

from asgi_correlation_id import correlation_id

#: The event being handled, so that events it causes carry ``causationid``.
causation_id: ContextVar[str | None] = ContextVar("causation_id", default=None)
#: W3C trace context of the current request or event.
traceparent: ContextVar[str | None] = ContextVar("traceparent", default=None)


def current_request_id() -> str | None:
    """The request id of the current request, or the correlation id of the current event."""
    return correlation_id.get()


def set_request_id(value: str | None) -> None:
    correlation_id.set(value)
