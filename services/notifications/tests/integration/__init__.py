"""Integration tests of notifications; they share the unit tier's helpers as ``unit_tier``.

The service's tests directory is no package (a second top-level ``tests`` would clash with
outcomes'), so ``..unit`` is out of reach: the unit package is loaded once by its path.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

UNIT = "streetlevel_notifications_unit_tier"
if UNIT not in sys.modules:
    _path = Path(__file__).resolve().parent.parent / "unit"
    _spec = importlib.util.spec_from_file_location(
        UNIT, _path / "__init__.py", submodule_search_locations=[str(_path)]
    )
    assert _spec is not None
    assert _spec.loader is not None
    sys.modules[UNIT] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules[UNIT])
