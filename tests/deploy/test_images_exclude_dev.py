"""No service image installs the test infrastructure (libs/testing) or a development tool."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

SERVICES = ("registry", "commissioning", "outcomes", "gateway")
TESTING = "streetlevel-testing"
# Flags that would pull a dependency group, an extra or every member into an image.
WIDENING = {
    "--dev",
    "--only-dev",
    "--group",
    "--only-group",
    "--all-groups",
    "--extra",
    "--all-extras",
    "--all-packages",
}
# Packages in the root dev group that a production dependency needs as well.
ALSO_AT_RUNTIME = {"pyyaml"}  # uvicorn[standard] reads YAML logging configs


def normalise(requirement: str) -> str:
    """The PEP 503 name of a requirement string."""
    name = re.split(r"[\s<>=!~;\[@]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def uv(checks: ModuleType) -> str:
    """The uv that runs this session (`uv run` sets $UV), else uv on PATH or .tools/bin/uv."""
    found = os.environ.get("UV") or shutil.which("uv") or str(checks.ROOT / ".tools/bin/uv")
    assert Path(found).exists(), "no uv: the image check reads the lock through `uv export`"
    return found


def image_syncs(checks: ModuleType, service: str) -> list[list[str]]:
    """The arguments after `uv sync` of every install step in a service's Dockerfile."""
    steps = checks.instructions((checks.ROOT / "services" / service / "Dockerfile").read_text())
    syncs = []
    for word, args in steps:
        if word == "RUN" and "uv sync" in args:
            tokens = shlex.split(args[args.index("uv sync") :].split("&&")[0])
            syncs.append(tokens[2:])
    return syncs


def image_requirements(checks: ModuleType, sync: list[str]) -> set[str]:
    """What a Dockerfile's `uv sync` installs: the same flags through `uv export` (offline)."""
    flags = [t for t in sync if t != "--no-install-workspace"]
    res = subprocess.run(
        [uv(checks), "export", *flags, "--no-hashes", "--no-header", "--no-annotate"],
        cwd=checks.ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    names = set()
    for line in res.stdout.splitlines():
        if line.startswith("-e "):
            names.add(line[3:].strip().removeprefix("./"))
        elif line and not line.startswith((" ", "#")):
            names.add(normalise(line))
    return names


def dev_tools(checks: ModuleType) -> set[str]:
    root = tomllib.loads((checks.ROOT / "pyproject.toml").read_text())
    return {normalise(r) for r in root["dependency-groups"]["dev"]} - ALSO_AT_RUNTIME


@pytest.mark.parametrize("service", SERVICES)
def test_each_image_installs_only_its_service_without_dev_groups_or_extras(
    checks: ModuleType, service: str
) -> None:
    syncs = image_syncs(checks, service)
    assert syncs, f"services/{service}/Dockerfile installs nothing with uv sync"
    for sync in syncs:
        assert "--no-dev" in sync
        assert "--frozen" in sync
        assert sync[sync.index("--package") + 1] == f"streetlevel-{service}"
        assert not WIDENING & set(sync), sync


@pytest.mark.parametrize("service", SERVICES)
def test_what_each_image_installs_excludes_the_test_infrastructure_and_every_dev_tool(
    checks: ModuleType, service: str
) -> None:
    tools = dev_tools(checks)
    assert {TESTING, "pytest", "ruff", "mypy", "hypothesis"} <= tools
    for sync in image_syncs(checks, service):
        installed = image_requirements(checks, sync)
        # The export is the real install set: it holds the service and its framework.
        assert {f"services/{service}", "libs/common", "fastapi"} <= installed
        assert "libs/testing" not in installed
        assert installed & tools == set()


def test_no_build_copies_the_test_infrastructure_into_an_image(checks: ModuleType) -> None:
    ignored = (checks.ROOT / ".dockerignore").read_text().splitlines()
    assert "libs/testing" in ignored
    for service in SERVICES:
        steps = checks.instructions((checks.ROOT / "services" / service / "Dockerfile").read_text())
        copies = [a.split() for w, a in steps if w == "COPY" and not a.startswith("--from")]
        sources = {src.rstrip("/") for args in copies for src in args[:-1]}
        assert not {s for s in sources if s in {".", "libs"} or s.startswith("libs/testing")}


def test_only_the_root_dev_group_depends_on_the_test_infrastructure(checks: ModuleType) -> None:
    manifests = sorted(checks.ROOT.glob("*/*/pyproject.toml"))
    members = {m.parent.relative_to(checks.ROOT).as_posix() for m in manifests}
    assert {"libs/common", "libs/testing"} | {f"services/{s}" for s in SERVICES} <= members
    for manifest in manifests:
        project = tomllib.loads(manifest.read_text())["project"]
        needs = [*project.get("dependencies", [])]
        needs += [r for extra in project.get("optional-dependencies", {}).values() for r in extra]
        if project["name"] != TESTING:
            assert TESTING not in {normalise(r) for r in needs}, manifest
    root = tomllib.loads((checks.ROOT / "pyproject.toml").read_text())
    assert TESTING not in {normalise(r) for r in root["project"]["dependencies"]}
    assert TESTING in {normalise(r) for r in root["dependency-groups"]["dev"]}


def test_libs_common_has_no_testing_subpackage_left(checks: ModuleType) -> None:
    common = checks.ROOT / "libs" / "common" / "src" / "streetlevel" / "common"
    assert (common / "outbox.py").exists()
    assert not (common / "testing").exists()
    assert importlib.util.find_spec("streetlevel.common.testing") is None
    plugin = importlib.util.find_spec("streetlevel.testing.pytest_plugin")
    assert plugin is not None
    assert plugin.origin is not None
    assert Path(plugin.origin).is_relative_to(checks.ROOT / "libs" / "testing" / "src")
