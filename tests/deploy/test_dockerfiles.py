"""Each service's Dockerfile follows the shared pattern and matches its package and port."""

from __future__ import annotations

import json
import tomllib
from types import ModuleType

import pytest

from streetlevel.platform.services import by_name

SERVICES = ("registry", "commissioning", "outcomes", "notifications", "gateway")
SITE = "web"  # the public site: built the same way, no database


def workspace_dependencies(checks: ModuleType, service: str) -> set[str]:
    """Directories of the workspace members a service's package needs (transitively)."""
    members = {"streetlevel-common": "libs/common", "streetlevel-platform": "platform"}
    members |= {f"streetlevel-{s}": f"services/{s}" for s in (*SERVICES, SITE)}
    todo, seen = [f"streetlevel-{service}"], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        project = tomllib.loads((checks.ROOT / members[name] / "pyproject.toml").read_text())
        todo += [d for d in project["project"]["dependencies"] if d in members]
    return {members[n] for n in seen}


@pytest.mark.parametrize("service", [*SERVICES, SITE])
def test_the_dockerfile_builds_a_non_root_single_worker_image_of_its_service(
    checks: ModuleType, service: str
) -> None:
    steps = checks.instructions((checks.ROOT / "services" / service / "Dockerfile").read_text())
    froms = [args for word, args in steps if word == "FROM"]
    assert len(froms) >= 3, "multi-stage: uv, builder, runtime"
    assert froms[-1].startswith("${PYTHON_IMAGE}")
    assert ("ARG", "PYTHON_IMAGE=python:3.11-slim") in steps
    runtime = steps[max(i for i, (w, _) in enumerate(steps) if w == "FROM") :]
    words = dict(runtime)
    assert words["USER"] == "10001:10001"
    assert words["EXPOSE"] == str(checks.HTTP_PORT)
    assert words["STOPSIGNAL"] == "SIGTERM"
    assert f"127.0.0.1:{checks.HTTP_PORT}/livez" in words["HEALTHCHECK"]
    assert "PYTHONDONTWRITEBYTECODE=1" in words["ENV"]
    cmd = json.loads(words["CMD"])
    assert cmd[:3] == ["uvicorn", "--factory", f"streetlevel.{service}.app:create_app"]
    # The protocol the native stack and the benchmarks start it with (its descriptor's).
    http = cmd[cmd.index("--http") + 1] if "--http" in cmd else "httptools"
    assert http == by_name(service).http_protocol
    assert cmd[cmd.index("--workers") + 1] == "1"
    assert cmd[cmd.index("--port") + 1] == str(checks.HTTP_PORT)
    assert "--timeout-graceful-shutdown" in cmd
    syncs = [a for w, a in steps if w == "RUN" and "uv sync" in a]
    assert len(syncs) == 2
    assert all("--frozen --no-dev" in s and f"--package streetlevel-{service}" in s for s in syncs)


@pytest.mark.parametrize("service", [*SERVICES, SITE])
def test_the_dockerfile_copies_the_lock_every_member_manifest_and_the_sources_it_needs(
    checks: ModuleType, service: str
) -> None:
    steps = checks.instructions((checks.ROOT / "services" / service / "Dockerfile").read_text())
    copies = [a.split() for w, a in steps if w == "COPY" and not a.startswith("--from")]
    sources = {src.rstrip("/") for args in copies for src in args[:-1]}
    assert {"pyproject.toml", "uv.lock"} <= sources
    # uv reads the lock only with every workspace member's pyproject.toml present.
    members = {"libs/common", "platform"} | {f"services/{s}" for s in (*SERVICES, SITE)}
    assert {f"{m}/pyproject.toml" for m in members} <= sources
    needed = workspace_dependencies(checks, service)
    assert needed <= sources, f"sources not copied: {needed - sources}"
    for src in sources:
        assert (checks.ROOT / src).exists(), src


@pytest.mark.parametrize("service", SERVICES)
def test_an_image_holds_the_sources_of_its_package_and_its_dependencies_only(
    checks: ModuleType, service: str
) -> None:
    # The gateway imports no service: its image holds neither the services nor the platform.
    steps = checks.instructions((checks.ROOT / "services" / service / "Dockerfile").read_text())
    copies = [a.split() for w, a in steps if w == "COPY" and not a.startswith("--from")]
    trees = {
        src.rstrip("/")
        for args in copies
        for src in args[:-1]
        if src not in ("pyproject.toml", "uv.lock") and not src.endswith("/pyproject.toml")
    }
    assert trees == workspace_dependencies(checks, service)
    assert "platform" not in trees


def test_the_build_context_leaves_out_environments_caches_and_tests(checks: ModuleType) -> None:
    ignored = {
        line.strip()
        for line in (checks.ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {"**/.venv", "**/.git", "**/tests", "**/__pycache__", "**/.streetlevel"} <= ignored
    assert not ignored & {"uv.lock", "pyproject.toml", "libs", "services"}
