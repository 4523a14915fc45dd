"""The shared native-stack harness (tests/e2e/harness), loaded once as a package for every tier."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

#: The harness's package name: it is not installed, and its modules import each other.
HARNESS = "streetlevel_e2e_harness"


def e2e_harness(near: str | Path) -> ModuleType:
    """tests/e2e/harness as the package ``HARNESS``, found from ``near`` (a file in the repo)."""
    if HARNESS not in sys.modules:
        root = next(p for p in Path(near).resolve().parents if (p / "uv.lock").exists())
        package = root / "tests" / "e2e" / "harness"
        spec = importlib.util.spec_from_file_location(
            HARNESS, package / "__init__.py", submodule_search_locations=[str(package)]
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[HARNESS] = module
        spec.loader.exec_module(module)
    return sys.modules[HARNESS]


def register_plugin(config: pytest.Config) -> None:
    """The harness's session fixtures (one native stack per run), registered once."""
    name = f"{HARNESS}.plugin"
    if not config.pluginmanager.has_plugin(name):
        config.pluginmanager.register(importlib.import_module(name), name)
