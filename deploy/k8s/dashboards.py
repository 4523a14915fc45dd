"""Writes the Grafana dashboards (base/monitoring/dashboards/*.json): python deploy/k8s/dashboards.py

One platform overview and one dashboard per service, every query on the metrics the services
export (tests/ops/test_dashboards.py scrapes the native stack to prove it). Edit here, not the JSON.
"""

# ruff: noqa: E501  (a PromQL query reads best on one line)
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "base" / "monitoring" / "dashboards"
DS = {"type": "prometheus", "uid": "${datasource}"}
#: Each service's consumer groups (``group``/``consumer`` label), empty if it consumes nothing.
CONSUMERS = {
    "registry": "",
    "commissioning": "commissioning",
    "outcomes": "outcomes",
    "gateway": "gateway-feed",
}
RATE = "$__rate_interval"


def panel(
    title: str,
    targets: list[tuple[str, str]],
    *,
    unit: str = "short",
    kind: str = "timeseries",
    description: str = "",
) -> dict[str, Any]:
    """A panel; ``targets`` are (PromQL, legend) pairs. Positions are set by ``layout``."""
    return {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DS,
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "bottom"}}
        if kind == "timeseries"
        else {"reduceOptions": {"calcs": ["lastNotNull"]}},
        "targets": [
            {"refId": chr(ord("A") + i), "expr": expr, "legendFormat": legend, "datasource": DS}
            for i, (expr, legend) in enumerate(targets)
        ],
    }


def layout(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two panels a row, 8 units high."""
    for i, p in enumerate(panels):
        p["id"] = i + 1
        p["gridPos"] = {"h": 8, "w": 12, "x": (i % 2) * 12, "y": (i // 2) * 8}
    return panels


def dashboard(uid: str, title: str, panels: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title,
        "tags": ["streetlevel"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Prometheus",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {},
                    "hide": 0,
                }
            ]
        },
        "links": [
            {
                "title": "Runbooks",
                "type": "link",
                "url": "https://github.com/streetlevel/streetlevel/tree/main/docs/runbooks",
            }
        ],
        "panels": layout(panels),
    }


def red_panels(sel: str) -> list[dict[str, Any]]:
    """Rate, errors and duration per route template for the services ``sel`` selects."""
    return [
        panel(
            "Requests per second by route",
            [
                (
                    f"sum by (route) (rate(streetlevel_http_requests_total{{{sel}}}[{RATE}]))",
                    "{{route}}",
                )
            ],
            unit="reqps",
        ),
        panel(
            "Server errors (5xx share) by route",
            [
                (
                    f'sum by (route) (rate(streetlevel_http_requests_total{{{sel},status=~"5.."}}[{RATE}]))'
                    f" / sum by (route) (rate(streetlevel_http_requests_total{{{sel}}}[{RATE}]))",
                    "{{route}}",
                )
            ],
            unit="percentunit",
        ),
        panel(
            "Responses by status",
            [
                (
                    f"sum by (status) (rate(streetlevel_http_requests_total{{{sel}}}[{RATE}]))",
                    "{{status}}",
                )
            ],
            unit="reqps",
        ),
        panel(
            "Latency p50 / p99 by route",
            [
                (
                    f"histogram_quantile({q}, sum by (le, route) "
                    f"(rate(streetlevel_http_request_duration_seconds_bucket{{{sel}}}[{RATE}])))",
                    f"p{int(q * 100)} {{{{route}}}}",
                )
                for q in (0.5, 0.99)
            ],
            unit="s",
            description="Exemplars link a slow bucket to the trace of a request that fell in it.",
        ),
        panel(
            "Mean latency by status class",
            [
                (
                    f"sum by (status_class) (rate(streetlevel_http_request_duration_seconds_sum{{{sel}}}[{RATE}]))"
                    f" / sum by (status_class) (rate(streetlevel_http_request_duration_seconds_count{{{sel}}}[{RATE}]))",
                    "{{status_class}}",
                )
            ],
            unit="s",
        ),
    ]


def outbox_panels(name: str, sel: str) -> list[dict[str, Any]]:
    return [
        panel(
            "Outbox: oldest unpublished event age",
            [
                (
                    f"max by (service) (streetlevel_outbox_oldest_unpublished_age_seconds{{{sel}}})",
                    "{{service}}",
                )
            ],
            unit="s",
            description="Alert OutboxEventsStuck above 5 minutes.",
        ),
        panel(
            "Outbox: backlog and publish rate",
            [
                (
                    f"max by (service) (streetlevel_outbox_backlog_messages{{{sel}}})",
                    "backlog {{service}}",
                ),
                (
                    f"sum by (service) (rate(streetlevel_outbox_published_total{{{sel}}}[{RATE}]))",
                    "published/s {{service}}",
                ),
            ],
        ),
        panel(
            "Relay lease holders",
            [(f'sum by (lease) (streetlevel_lease_held{{lease="relay:{name}"}})', "{{lease}}")],
            description="Exactly one holder per service; RelayLeaseFlapping when it changes hands.",
        ),
        panel(
            "Lease acquisitions (15 min)",
            [
                (
                    f'sum by (lease) (increase(streetlevel_lease_acquisitions_total{{lease="relay:{name}"}}[15m]))',
                    "{{lease}}",
                )
            ],
        ),
    ]


def consumer_panels(group: str) -> list[dict[str, Any]]:
    g = f'group=~"{group}"'
    c = f'consumer=~"{group}"'
    return [
        panel(
            "Consumer lag by partition",
            [
                (
                    f"max by (group, topic, partition) (streetlevel_consumer_lag_messages{{{g}}})",
                    "{{topic}}/{{partition}}",
                )
            ],
        ),
        panel(
            "Events applied by outcome",
            [
                (
                    f"sum by (consumer, outcome) (rate(streetlevel_events_applied_total{{{c}}}[{RATE}]))",
                    "{{consumer}} {{outcome}}",
                )
            ],
            unit="ops",
        ),
        panel(
            "Inbox duplicates skipped",
            [
                (
                    f"sum by (consumer) (rate(streetlevel_inbox_duplicates_skipped_total{{{c}}}[{RATE}]))",
                    "{{consumer}}",
                )
            ],
            unit="ops",
        ),
        panel(
            "Dead letters",
            [
                (
                    f"max by (consumer) (streetlevel_dlq_depth_messages{{{c}}})",
                    "waiting {{consumer}}",
                ),
                (
                    f"sum by (consumer) (increase(streetlevel_dead_lettered_total{{{c}}}[1h]))",
                    "dead-lettered (1h) {{consumer}}",
                ),
                (f"max by (consumer) (streetlevel_parked_keys{{{c}}})", "parked keys {{consumer}}"),
            ],
        ),
    ]


def gateway_panels() -> list[dict[str, Any]]:
    return [
        panel(
            "Rate-limit refusals by policy",
            [
                (
                    f"sum by (policy) (rate(streetlevel_rate_limit_refusals_total[{RATE}]))",
                    "{{policy}}",
                )
            ],
            unit="reqps",
        ),
        panel(
            "Token endpoint responses",
            [
                (
                    f'sum by (status) (rate(streetlevel_http_requests_total{{service="gateway",route="/oauth/token"}}[{RATE}]))',
                    "{{status}}",
                )
            ],
            unit="reqps",
        ),
        panel(
            "Signing key rotation due",
            [("min(streetlevel_signing_key_rotation_due_seconds)", "due in")],
            unit="s",
            kind="stat",
            description="Negative: overdue (SigningKeyRotationOverdue).",
        ),
        panel(
            "Feed writer: lease holders and time since last stored event",
            [
                ('sum(streetlevel_lease_held{lease="gateway-feed"})', "holders"),
                (
                    "time() - max(streetlevel_feed_last_stored_timestamp_seconds > 0)",
                    "seconds since last event",
                ),
            ],
        ),
    ]


def service_dashboard(name: str) -> dict[str, Any]:
    sel = f'service="{name}"'
    panels = red_panels(sel) + outbox_panels(name, sel)
    if CONSUMERS[name]:
        panels += consumer_panels(CONSUMERS[name])
    if name == "gateway":
        panels += gateway_panels()
    return dashboard(f"streetlevel-{name}", f"Street Level / {name}", panels)


def overview() -> dict[str, Any]:
    sel = 'service=~".+"'
    panels = [
        panel(
            "Requests per second by service",
            [(f"sum by (service) (rate(streetlevel_http_requests_total[{RATE}]))", "{{service}}")],
            unit="reqps",
        ),
        panel(
            "Server errors (5xx share) by service",
            [
                (
                    f'sum by (service) (rate(streetlevel_http_requests_total{{status=~"5.."}}[{RATE}]))'
                    f" / sum by (service) (rate(streetlevel_http_requests_total[{RATE}]))",
                    "{{service}}",
                )
            ],
            unit="percentunit",
        ),
        panel(
            "Latency p99 by service",
            [
                (
                    "histogram_quantile(0.99, sum by (le, service) "
                    f"(rate(streetlevel_http_request_duration_seconds_bucket[{RATE}])))",
                    "{{service}}",
                )
            ],
            unit="s",
        ),
        panel(
            "Outbox: oldest unpublished event age",
            [
                (
                    f"max by (service) (streetlevel_outbox_oldest_unpublished_age_seconds{{{sel}}})",
                    "{{service}}",
                )
            ],
            unit="s",
        ),
        panel(
            "Consumer lag by group",
            [("sum by (group) (streetlevel_consumer_lag_messages)", "{{group}}")],
        ),
        panel(
            "Dead letters and parked keys",
            [
                ("sum by (consumer) (streetlevel_dlq_depth_messages)", "waiting {{consumer}}"),
                (
                    "sum by (consumer) (increase(streetlevel_dead_lettered_total[1h]))",
                    "dead-lettered (1h) {{consumer}}",
                ),
                ("max by (consumer) (streetlevel_parked_keys)", "parked {{consumer}}"),
            ],
        ),
        panel(
            "Lease holders",
            [("sum by (lease) (streetlevel_lease_held)", "{{lease}}")],
        ),
        panel(
            "Rate-limit refusals by policy",
            [
                (
                    f"sum by (policy) (rate(streetlevel_rate_limit_refusals_total[{RATE}]))",
                    "{{policy}}",
                )
            ],
            unit="reqps",
        ),
        panel(
            "Signing key rotation due",
            [("min(streetlevel_signing_key_rotation_due_seconds)", "due in")],
            unit="s",
            kind="stat",
        ),
        panel(
            "Events applied per second by consumer",
            [
                (
                    f"sum by (consumer) (rate(streetlevel_events_applied_total[{RATE}]))",
                    "{{consumer}}",
                )
            ],
            unit="ops",
        ),
    ]
    return dashboard("streetlevel-overview", "Street Level / platform overview", panels)


def dashboards() -> dict[str, dict[str, Any]]:
    """File name → dashboard."""
    out = {"overview.json": overview()}
    out.update({f"{name}.json": service_dashboard(name) for name in CONSUMERS})
    return out


def render(board: dict[str, Any]) -> str:
    return json.dumps(board, indent=2, sort_keys=True) + "\n"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, board in dashboards().items():
        (OUT / name).write_text(render(board))
    print(f"wrote {len(dashboards())} dashboards to {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
