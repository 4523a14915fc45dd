"""The embedded contract and access-matrix tests, run again on PostgreSQL + Kafka."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

COMPONENT = Path(__file__).resolve().parents[1] / "component"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"registry_pg_{name}", COMPONENT / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The same test functions; this directory's conftest gives them a PostgreSQL + Kafka `api`.
for _module in (
    _load("test_api_contract"),
    _load("test_access_matrix"),
    _load("test_patch_writes"),
):
    globals().update({k: v for k, v in vars(_module).items() if k.startswith("test_")})
