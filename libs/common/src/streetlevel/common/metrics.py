"""Prometheus metrics shared by every service, and the ``/metrics`` endpoint."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

REGISTRY: CollectorRegistry = DEFAULT_REGISTRY

HTTP_REQUESTS = Counter(
    "streetlevel_http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "streetlevel_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
OUTBOX_BACKLOG = Gauge("streetlevel_outbox_backlog", "Unpublished outbox rows", ["service"])
OUTBOX_PUBLISHED = Counter("streetlevel_outbox_published_total", "Published events", ["service"])
CONSUMER_LAG = Gauge(
    "streetlevel_consumer_lag", "Messages behind the end of the partition", ["group", "topic"]
)
EVENTS_APPLIED = Counter(
    "streetlevel_events_applied_total", "Events applied by consumers", ["consumer", "outcome"]
)
PARKED_KEYS = Gauge("streetlevel_parked_keys", "Keys parked by a ledger consumer", ["consumer"])
DLQ_EVENTS = Counter(
    "streetlevel_dead_lettered_total", "Events sent to a dead-letter destination", ["consumer"]
)


def render() -> tuple[bytes, str]:
    """The exposition text and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
