"""The PrometheusRule passes promtool's checks and unit tests; every alert is tested both ways."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

from streetlevel.common import metrics as _metrics  # noqa: F401  (registers the metrics)

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists())
RULE_FILE = ROOT / "deploy" / "k8s" / "base" / "monitoring" / "prometheus-rules.yaml"
UNIT_TESTS = Path(__file__).with_name("alerts.test.yaml")
RUNBOOK_URL = re.compile(r"^https://\S+/docs/runbooks/(?P<alert>\w+)\.md$")
#: Metrics a rule may read that the platform does not export itself (cert-manager's).
EXTERNAL = {"certmanager_certificate_expiration_timestamp_seconds"}


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is missing: run `make install` (scripts/ensure-prometheus.sh)")
    return found


def rule_groups() -> list[dict[str, Any]]:
    doc = yaml.safe_load(RULE_FILE.read_text())
    assert doc["kind"] == "PrometheusRule"
    groups: list[dict[str, Any]] = doc["spec"]["groups"]
    return groups


def alerts() -> list[dict[str, Any]]:
    return [rule for group in rule_groups() for rule in group["rules"] if "alert" in rule]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def exported_names() -> set[str]:
    """Every sample name the services' metrics module registers (with _total, _bucket...)."""
    registered: dict[Any, set[str]] = REGISTRY._collector_to_names
    return set().union(*registered.values())


def test_promtool_accepts_the_rules(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": rule_groups()}))
    checked = run("check", "rules", "rules.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(alerts())} rules found" in checked.stdout


def test_every_alert_fires_when_it_should_and_stays_quiet_when_it_should_not(
    tmp_path: Path,
) -> None:
    # promtool compares annotations too; the summaries' wording is not what these tests pin.
    groups = copy.deepcopy(rule_groups())
    for group in groups:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": groups}))
    shutil.copy(UNIT_TESTS, tmp_path / UNIT_TESTS.name)
    tested = run("test", "rules", UNIT_TESTS.name, cwd=tmp_path)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout

    cases = yaml.safe_load(UNIT_TESTS.read_text())["tests"]
    fires = {c["alertname"] for t in cases for c in t["alert_rule_test"] if c["exp_alerts"]}
    quiet = {c["alertname"] for t in cases for c in t["alert_rule_test"] if not c["exp_alerts"]}
    names = {a["alert"] for a in alerts()}
    assert names - fires == set(), "alerts with no test that they fire"
    assert names - quiet == set(), "alerts with no test that they stay quiet"


def test_every_alert_has_a_severity_a_summary_and_its_runbook() -> None:
    for alert in alerts():
        name = alert["alert"]
        assert alert["labels"]["severity"] in ("critical", "warning"), name
        annotations = alert["annotations"]
        assert annotations["summary"], name
        assert annotations["description"], name
        match = RUNBOOK_URL.match(annotations["runbook_url"])
        assert match, annotations["runbook_url"]
        assert match["alert"] == name, annotations["runbook_url"]
        assert (ROOT / "docs" / "runbooks" / f"{name}.md").is_file(), name


def test_rules_read_only_metrics_the_platform_exports(
    metric_names: Callable[[str], set[str]],
) -> None:
    exported = exported_names() | EXTERNAL
    for alert in alerts():
        unknown = metric_names(alert["expr"]) - exported
        assert unknown == set(), f"{alert['alert']} reads {unknown}"
