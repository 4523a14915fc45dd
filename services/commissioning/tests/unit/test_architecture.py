"""House style: the domain package stays pure (no frameworks, no I/O adapters)."""

from __future__ import annotations

import ast
from pathlib import Path

import streetlevel.commissioning.domain as domain

FORBIDDEN = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "aiokafka",
    "pydantic_settings",
    "streetlevel.common.db",
    "streetlevel.common.outbox",
    "streetlevel.common.inbox",
    "streetlevel.common.bus",
    "streetlevel.common.runtime",
    "streetlevel.common.service",
    "streetlevel.common.uow",
    "streetlevel.common.consumer",
    "streetlevel.commissioning.adapters",
    "streetlevel.commissioning.service",
    "streetlevel.commissioning.api",
)


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_domain_imports_no_framework_or_adapter() -> None:
    files = sorted(Path(domain.__file__).parent.glob("*.py"))
    assert len(files) >= 8
    offenders = {
        f"{path.name}: {name}"
        for path in files
        for name in imported(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    }
    assert offenders == set()
