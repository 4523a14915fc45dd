"""Operations tests: the alert rules, dashboards and runbooks against promtool and the stack."""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists())
MONITORING = ROOT / "deploy" / "k8s" / "base" / "monitoring"
RUNBOOKS = ROOT / "docs" / "runbooks"


def _load(name: str, path: Path) -> object:
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def metric_names() -> Callable[[str], set[str]]:
    """PromQL → the metric names it reads (tests/ops/promql.py)."""
    module = _load("streetlevel_ops_promql", Path(__file__).with_name("promql.py"))
    found: Callable[[str], set[str]] = module.metric_names  # type: ignore[attr-defined]
    return found


# --- the native stack, started once for the dashboard and runbook tests -----------------------


AREAS = ROOT.parent / "shared" / "data" / "geography" / "areas_blackpool.csv"
SOURCE = "set -a; . .streetlevel/stack.env; set +a"
SERVICES = ("registry", "commissioning", "outcomes", "gateway")


def operator_env() -> dict[str, str]:
    """A fresh operator's shell: none of the platform's or a previous stack's variables."""
    prefixes = ("STREETLEVEL_", "GATEWAY_", "REGISTRY_", "COMMISSIONING_", "OUTCOMES_")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def shell(line: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """``line`` in bash at the checkout's root, as an operator would type it."""
    return subprocess.run(
        ["bash", "-c", line],
        cwd=ROOT,
        env=operator_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class Stack:
    """The running native stack: its stack.env values and an HTTP client per service."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def url(self, service: str) -> str:
        return self.env[f"STREETLEVEL_{service.upper()}_URL"]

    def scrape(self, service: str) -> str:
        response = httpx.get(f"{self.url(service)}/metrics", timeout=30)
        response.raise_for_status()
        return response.text


def _stack_env() -> dict[str, str]:
    done = shell(f"{SOURCE}; env -0", timeout=30)
    assert done.returncode == 0, done.stderr
    before = operator_env()
    pairs = (item.partition("=") for item in done.stdout.split("\0") if item)
    return {k: v for k, _, v in pairs if before.get(k) != v}


def _enterprise() -> dict[str, object]:
    tag = uuid.uuid4().hex[:8]
    return {
        "name": f"Ops Check Co-op {tag}",
        "legal_form": "cooperative_society",
        "identifier": {"scheme": "GB-MPR", "id": f"{int(tag, 16) % 100_000:05d}R"},
        "mission": "Worker-owned bakery training young people",
        "themes": ["employment-skills"],
        "areas_served": ["E06000009"],
        "trading_income_pct": 75,
        "profit_reinvested_pct": 90,
        "independent": True,
        "publishes_social_report": True,
        "employees": 12,
        "asset_lock": True,
    }


def drive_traffic(stack: Stack) -> None:
    """What an hour of use leaves in the metrics: registrations, reads, refusals, 404s."""
    created = shell(
        f'{SOURCE}; .venv/bin/streetlevel clients create --kind enterprise --name "Ops Check"',
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    client = json.loads(created.stdout)
    with httpx.Client(base_url=stack.url("gateway"), timeout=30) as http:
        form = {"grant_type": "client_credentials", "client_id": client["client_id"]}
        token = http.post("/oauth/token", data=form | {"client_secret": client["client_secret"]})
        assert token.status_code == 200, token.text
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        registered = http.post("/v1/enterprises", json=_enterprise(), headers=bearer)
        assert registered.status_code == 201, registered.text
        for path in ("/v1/enterprises", f"/v1/enterprises/{registered.json()['id']}", "/nowhere"):
            http.get(path)
        # Past the token endpoint's per-IP limit (60 a minute): 401s, then 429s.
        statuses = {http.post("/oauth/token", data=form | {"client_secret": "x"}).status_code
                    for _ in range(65)}  # fmt: skip
        assert 429 in statuses, statuses


def wait_for(check: Callable[[], bool], what: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(1)


@pytest.fixture(scope="session")
def stack_shell() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs a command line in bash at the checkout's root with a fresh operator's environment."""
    return shell


@pytest.fixture(scope="session")
def native_stack() -> Iterator[Stack]:
    """``scripts/stack up`` as docs/operations.md says, some traffic, and ``down`` at the end."""
    if (ROOT / ".streetlevel" / "stack.env").exists():
        pytest.fail("a native stack is already up in this checkout: scripts/stack down first")
    up = shell(f"STREETLEVEL_AREAS_FILE={shlex.quote(str(AREAS))} scripts/stack up", timeout=900)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        stack = Stack(_stack_env())
        drive_traffic(stack)
        # The registration reaches commissioning's consumer and the gateway's feed.
        wait_for(
            lambda: (
                'streetlevel_feed_last_stored_timestamp_seconds{service="gateway"}'
                in stack.scrape("gateway")
            ),
            "the feed writer to store an event",
        )
        yield stack
    finally:
        down = shell("scripts/stack down", timeout=300)
        assert down.returncode == 0, down.stdout + down.stderr
