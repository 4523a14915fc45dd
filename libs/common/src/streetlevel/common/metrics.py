"""Prometheus metrics shared by every service, and the ``/metrics`` endpoint.

Names carry their unit (``_seconds``, ``_messages``) and counters end in ``_total``. Every label
value is chosen by the code (a route template, a consumer name, a status code), never copied
from a request: the alert rules and dashboards in deploy/k8s/base/monitoring rely on these names.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from prometheus_client.openmetrics import exposition as openmetrics

from streetlevel.common.timeouts import within

log = logging.getLogger(__name__)

REGISTRY: CollectorRegistry = DEFAULT_REGISTRY

HTTP_REQUESTS = Counter(
    "streetlevel_http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "streetlevel_http_request_duration_seconds",
    "HTTP request latency by route template and status class",
    ["service", "route", "status_class"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
OUTBOX_BACKLOG = Gauge(
    "streetlevel_outbox_backlog_messages", "Unpublished outbox rows", ["service"]
)
OUTBOX_OLDEST_AGE = Gauge(
    "streetlevel_outbox_oldest_unpublished_age_seconds",
    "Age of the oldest unpublished outbox row (0 when none)",
    ["service"],
)
OUTBOX_PUBLISHED = Counter("streetlevel_outbox_published_total", "Published events", ["service"])
CONSUMER_LAG = Gauge(
    "streetlevel_consumer_lag_messages",
    "Messages behind the end of the partition",
    ["group", "topic", "partition"],
)
EVENTS_APPLIED = Counter(
    "streetlevel_events_applied_total", "Events applied by consumers", ["consumer", "outcome"]
)
INBOX_DUPLICATES = Counter(
    "streetlevel_inbox_duplicates_skipped_total",
    "Redelivered events the inbox recognised and skipped",
    ["consumer"],
)
PARKED_KEYS = Gauge("streetlevel_parked_keys", "Keys parked by a ledger consumer", ["consumer"])
DLQ_EVENTS = Counter(
    "streetlevel_dead_lettered_total", "Events sent to a dead-letter destination", ["consumer"]
)
DLQ_DEPTH = Gauge(
    "streetlevel_dlq_depth_messages",
    "Dead letters waiting for an operator (not replayed)",
    ["service", "consumer"],
)
LEASE_HELD = Gauge(
    "streetlevel_lease_held", "1 while this process holds the lease, else 0", ["lease"]
)
LEASE_ACQUIRED = Counter(
    "streetlevel_lease_acquisitions_total", "Times this process won the lease", ["lease"]
)
RATE_LIMIT_REFUSALS = Counter(
    "streetlevel_rate_limit_refusals_total",
    "Requests refused by the rate limiter, by policy (anonymous, client, oauth)",
    ["policy"],
)
KEY_ROTATION_DUE = Gauge(
    "streetlevel_signing_key_rotation_due_seconds",
    "Seconds until the active signing key is due for rotation (negative: overdue)",
    ["service"],  # labelled so that only the gateway, which holds the keys, has a sample
)
WEBHOOK_QUEUE = Gauge(
    "streetlevel_webhook_queue_depth_messages",
    "Webhook deliveries still to make: due now, or waiting for their retry time",
    ["service", "state"],  # state: due | waiting
)
WEBHOOK_OLDEST_DUE_AGE = Gauge(
    "streetlevel_webhook_oldest_due_age_seconds",
    "How long the oldest due webhook delivery has waited (0 when none is due)",
    ["service"],
)
FEED_LAST_STORED = Gauge(
    "streetlevel_feed_last_stored_timestamp_seconds",
    "Unix time the feed writer last stored an event",
    ["service"],  # labelled so that only a process that ran the feed writer has a sample
)

#: What a scrape refreshes first: gauges read from a database, a broker or a key ring.
Probe = Callable[[], Awaitable[None]]
_PROBES: dict[str, Probe] = {}
PROBE_TIMEOUT_S = 2.0


def register_probe(name: str, probe: Probe) -> None:
    """Run ``probe`` before each scrape (a later registration under ``name`` replaces it)."""
    _PROBES[name] = probe


def unregister_probe(name: str) -> None:
    _PROBES.pop(name, None)


async def refresh() -> None:
    """Run every probe side by side; a slow or failing one leaves its gauges as they were."""
    names = list(_PROBES)
    results = await asyncio.gather(
        *(within(PROBE_TIMEOUT_S, _PROBES[n]()) for n in names), return_exceptions=True
    )
    for name, result in zip(names, results, strict=True):
        if isinstance(result, BaseException):
            log.warning("metrics probe %s failed: %s", name, type(result).__name__)


def render(accept: str = "") -> tuple[bytes, str]:
    """The exposition text and its content type (OpenMetrics, with exemplars, when accepted)."""
    if "application/openmetrics-text" in accept:
        body: bytes = openmetrics.generate_latest(REGISTRY)  # type: ignore[no-untyped-call]
        return body, openmetrics.CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def status_class(status: int) -> str:
    return f"{status // 100}xx"
