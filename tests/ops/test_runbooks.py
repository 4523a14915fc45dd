"""Every runbook's runnable commands work against the native stack, so drift fails CI."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists())
RUNBOOKS = ROOT / "docs" / "runbooks"
RULES = ROOT / "deploy" / "k8s" / "base" / "monitoring" / "prometheus-rules.yaml"
SOURCE = "set -a; . .streetlevel/stack.env; set +a"
#: Procedures an operator runs on purpose, not on an alert: a page each, with commands too.
PROCEDURES = {"RebuildReadModel", "RestoreDatabase"}
_BLOCK = re.compile(r"^```bash runnable\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def alert_names() -> list[str]:
    doc = yaml.safe_load(RULES.read_text())
    return [r["alert"] for g in doc["spec"]["groups"] for r in g["rules"] if "alert" in r]


def runnable_blocks() -> list[tuple[str, int, str]]:
    """(runbook, block number, commands) for every ```bash runnable block."""
    return [
        (path.stem, i, block)
        for path in sorted(RUNBOOKS.glob("*.md"))
        if path.name != "README.md"
        for i, block in enumerate(_BLOCK.findall(path.read_text()), start=1)
    ]


def test_there_is_one_runbook_per_alert_each_with_commands_that_run() -> None:
    pages = {p.stem for p in RUNBOOKS.glob("*.md")} - {"README"}
    assert pages == set(alert_names()) | PROCEDURES
    with_commands = {name for name, _i, _block in runnable_blocks()}
    assert with_commands == pages
    index = (RUNBOOKS / "README.md").read_text()
    operations = (ROOT / "docs" / "operations.md").read_text()
    for name in pages:
        assert f"]({name}.md)" in index, name
    assert "](runbooks/README.md)" in operations


@pytest.mark.timeout(1500)
def test_every_runnable_runbook_command_works_on_the_native_stack(
    native_stack: Any, stack_shell: Any
) -> None:
    failures = []
    for name, i, block in runnable_blocks():
        done = stack_shell(f"set -euo pipefail; {SOURCE}\n{block}", timeout=180)
        if done.returncode != 0:
            failures.append(f"{name} block {i} exited {done.returncode}:\n{block}\n{done.stderr}")
        elif not done.stdout.strip():
            failures.append(f"{name} block {i} printed nothing:\n{block}")
    assert failures == []
