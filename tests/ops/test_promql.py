"""The PromQL name extraction the dashboard and rule tests rely on."""

from __future__ import annotations

from collections.abc import Callable

Names = Callable[[str], set[str]]


def test_functions_labels_clauses_and_variables_are_not_names(metric_names: Names) -> None:
    expr = (
        "histogram_quantile(0.95, sum by (le, route) (rate("
        'streetlevel_http_request_duration_seconds_bucket{service="$service", '
        'route!~"/livez|/metrics"}[$__rate_interval])))'
        " / on (service) group_left (pod) max without (pod) (streetlevel_lease_held)"
        ' or vector(0) + count(up{job=~"a.*"} offset 5m) > bool 1e3'
        ' unless label_replace(x_total, "dst", "$1", "src", "(.*)")'
    )
    assert metric_names(expr) == {
        "streetlevel_http_request_duration_seconds_bucket",
        "streetlevel_lease_held",
        "up",
        "x_total",
    }


def test_a_name_matcher_and_a_bare_selector_are_names(metric_names: Names) -> None:
    assert metric_names('{__name__="streetlevel_parked_keys"}') == {"streetlevel_parked_keys"}
    assert metric_names("streetlevel_outbox_backlog_messages > 0") == {
        "streetlevel_outbox_backlog_messages"
    }
