"""Loads the shared harness (tests/e2e/harness) once and registers its session fixtures."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

HARNESS = "streetlevel_e2e_harness"


def _harness() -> None:
    if HARNESS in sys.modules:
        return
    root = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists())
    package = root / "tests" / "e2e" / "harness"
    spec = importlib.util.spec_from_file_location(
        HARNESS, package / "__init__.py", submodule_search_locations=[str(package)]
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[HARNESS] = module
    spec.loader.exec_module(module)


_harness()


def pytest_configure(config: pytest.Config) -> None:
    name = f"{HARNESS}.plugin"
    if not config.pluginmanager.has_plugin(name):
        config.pluginmanager.register(importlib.import_module(name), name)
