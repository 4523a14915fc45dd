"""Loads the shared harness (tests/e2e/harness) once and registers its session fixtures."""

from __future__ import annotations

import pytest

from streetlevel.testing.harness import e2e_harness, register_plugin

e2e_harness(__file__)


def pytest_configure(config: pytest.Config) -> None:
    register_plugin(config)
