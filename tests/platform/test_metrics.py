"""On-call metrics exist, follow Prometheus conventions, and no label value is user input."""

from __future__ import annotations

import re

from prometheus_client.openmetrics.parser import text_string_to_metric_families

MARK = "zq7hostile"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
OPENMETRICS = "application/openmetrics-text; version=1.0.0"
ON_CALL = {
    "streetlevel_http_requests_total",
    "streetlevel_http_request_duration_seconds",
    "streetlevel_outbox_backlog_messages",
    "streetlevel_outbox_oldest_unpublished_age_seconds",
    "streetlevel_outbox_published_total",
    "streetlevel_events_applied_total",
    "streetlevel_inbox_duplicates_skipped_total",
    "streetlevel_dlq_depth_messages",
    "streetlevel_lease_held",
    "streetlevel_lease_acquisitions_total",
    "streetlevel_rate_limit_refusals_total",
    "streetlevel_signing_key_rotation_due_seconds",
    "streetlevel_feed_last_stored_timestamp_seconds",
    "streetlevel_webhook_queue_depth_messages",
    "streetlevel_webhook_oldest_due_age_seconds",
}
UNITS = ("_seconds", "_messages", "_total", "_held", "_keys", "_bytes")


async def drive_hostile_traffic(gw) -> None:
    """Requests whose paths, methods, queries and headers all carry the mark."""
    headers = {
        "X-Request-ID": f"{MARK}-rid",
        "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01",
        "User-Agent": MARK,
        "X-Forwarded-For": MARK,
        "Accept-Language": MARK,
        "Authorization": f"Bearer {MARK}",
    }
    for path in (
        f"/v1/enterprises/{MARK}",
        f"/{MARK}",
        f"/v1/{MARK}/deep/{MARK}",
        f"/v1/enterprises?q={MARK}&themes={MARK}",
        f"/.well-known/{MARK}",
        f"/oauth/{MARK}",
    ):
        await gw.http.get(path, headers=headers)
        await gw.http.get(path, headers={"traceparent": headers["traceparent"]})
    await gw.http.request(MARK.upper(), "/v1/enterprises", headers=headers)
    await gw.http.post(f"/v1/enterprises/{MARK}", json={MARK: MARK}, headers=headers)
    await gw.http.post("/oauth/token", data={"grant_type": MARK}, auth=(MARK, MARK))


def families(text: str) -> dict[str, object]:
    return {f.name: f for f in text_string_to_metric_families(text)}


async def test_no_label_value_comes_from_the_request(platform_factory) -> None:
    async with platform_factory(rate_limit_oauth="3/minute") as gw:
        await drive_hostile_traffic(gw)
        for _ in range(4):  # beyond the token endpoint's limit
            await gw.http.post("/oauth/token", data={"grant_type": "client_credentials"})
        response = await gw.http.get("/metrics", headers={"Accept": OPENMETRICS})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    found = families(response.text)
    leaked = [
        (sample.name, key, value)
        for family in found.values()
        for sample in family.samples  # type: ignore[attr-defined]
        for key, value in sample.labels.items()
        if MARK in value.lower() or TRACE_ID in value
    ]
    assert leaked == []
    methods = {
        s.labels["method"]
        for s in found["streetlevel_http_requests"].samples  # type: ignore[attr-defined]
    }
    assert "other" in methods
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
    routes = {
        s.labels["route"]
        for s in found["streetlevel_http_requests"].samples  # type: ignore[attr-defined]
    }
    assert "unmatched" in routes
    assert all(r == "unmatched" or r.startswith("/") for r in routes)


async def test_a_traced_request_leaves_its_trace_id_as_an_exemplar_only(platform_factory) -> None:
    async with platform_factory() as gw:
        await gw.http.get(
            "/v1/enterprises", headers={"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}
        )
        om = await gw.http.get("/metrics", headers={"Accept": OPENMETRICS})
        plain = await gw.http.get("/metrics")

    exemplars = [
        s.exemplar.labels["trace_id"]
        for s in families(om.text)["streetlevel_http_request_duration_seconds"].samples  # type: ignore[attr-defined]
        if s.exemplar is not None
    ]
    assert TRACE_ID in exemplars
    assert plain.headers["content-type"].startswith("text/plain")
    assert TRACE_ID not in plain.text


async def test_the_on_call_metrics_are_exported_with_conventional_names(platform_factory) -> None:
    async with platform_factory(rate_limit_oauth="2/minute") as gw:
        for _ in range(3):
            await gw.http.post("/oauth/token", data={"grant_type": "client_credentials"})
        await gw.http.get("/v1/enterprises")
        text = (await gw.http.get("/metrics")).text

    names = set(re.findall(r"^# TYPE (streetlevel_\w+) (\w+)$", text, re.MULTILINE))
    exported = {name for name, _kind in names}
    assert exported >= ON_CALL, ON_CALL - exported
    for name, kind in names:
        if name.endswith("_created"):  # the client library's creation-time series
            continue
        assert name.endswith(UNITS), name
        assert (kind == "counter") == name.endswith("_total"), name

    def value(sample: str) -> float:
        match = re.search(rf"^{re.escape(sample)} (\S+)$", text, re.MULTILINE)
        assert match, sample
        return float(match.group(1))

    assert value('streetlevel_rate_limit_refusals_total{policy="oauth"}') >= 1
    assert value('streetlevel_lease_held{lease="gateway-feed"}') == 1
    assert value('streetlevel_lease_held{lease="relay:registry"}') == 1
    assert (
        value('streetlevel_dlq_depth_messages{consumer="commissioning",service="commissioning"}')
        == 0
    )
    # A fresh key: due in about the default 90 days.
    due = value('streetlevel_signing_key_rotation_due_seconds{service="gateway"}')
    assert 89 * 86400 < due <= 90 * 86400
    assert value('streetlevel_outbox_oldest_unpublished_age_seconds{service="registry"}') >= 0
