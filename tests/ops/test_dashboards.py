"""Every dashboard panel queries only metrics the running services really export."""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists())
MONITORING = ROOT / "deploy" / "k8s" / "base" / "monitoring"
DASHBOARDS = MONITORING / "dashboards"
SERVICES = ("registry", "commissioning", "outcomes", "gateway")
#: Declared by every service, sampled once the first count of a group's DLQ topics is in (a
#: background task, off the scrape).
ON_EVENT = {"streetlevel_dlq_depth_messages"}
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", re.MULTILINE)
_TYPE = re.compile(r"^# TYPE (\S+) (\w+)$", re.MULTILINE)
SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "gauge": ("",),
}


def boards() -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(DASHBOARDS.glob("*.json"))}


def expressions(board: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["title"], t["expr"]) for p in board["panels"] for t in p["targets"]]


def sampled(text: str) -> set[str]:
    return set(_SAMPLE.findall(text))


def declared(text: str) -> set[str]:
    names = set()
    for name, kind in _TYPE.findall(text):
        base = name.removesuffix("_total") if kind == "counter" else name
        names |= {base + suffix for suffix in SUFFIXES.get(kind, ("",))}
    return names


def test_the_dashboards_are_generated_from_dashboards_py() -> None:
    spec = importlib.util.spec_from_file_location(
        "deploy_k8s_dashboards", ROOT / "deploy" / "k8s" / "dashboards.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = {name: module.render(board) for name, board in module.dashboards().items()}
    on_disk = {p.name: p.read_text() for p in DASHBOARDS.glob("*.json")}
    assert on_disk == expected, "run: python deploy/k8s/dashboards.py"


def test_each_dashboard_is_provisioned_by_a_labelled_configmap() -> None:
    kustomization = yaml.safe_load((MONITORING / "kustomization.yaml").read_text())
    assert kustomization["generatorOptions"]["labels"]["grafana_dashboard"] == "1"
    files = {f for g in kustomization["configMapGenerator"] for f in g["files"]}
    assert files == {f"dashboards/{p.name}" for p in DASHBOARDS.glob("*.json")}
    assert {"overview", *SERVICES} == set(boards())
    for name, board in boards().items():
        assert board["uid"] == f"streetlevel-{name}"
        assert board["panels"], name


@pytest.mark.timeout(1500)  # the session's native stack may start here
def test_every_panel_names_only_metrics_the_native_stack_exports(
    native_stack: Any, metric_names: Callable[[str], set[str]]
) -> None:
    scrapes = {service: native_stack.scrape(service) for service in SERVICES}
    problems = []
    checked = 0
    for name, board in boards().items():
        texts = list(scrapes.values()) if name == "overview" else [scrapes[name]]
        have = set().union(*(sampled(t) for t in texts))
        known = set().union(*(declared(t) for t in texts))
        for title, expr in expressions(board):
            names = metric_names(expr)
            assert names, f"{name}: {title}: no metric in {expr}"
            for metric in names:
                checked += 1
                base = re.sub(r"_(bucket|sum|count)$", "", metric)
                if metric in have or ((base in ON_EVENT or metric in ON_EVENT) and metric in known):
                    continue
                problems.append(f"{name}: {title}: {metric}")
    assert problems == []
    assert checked > 50
