"""The register list's representation tests again, on PostgreSQL + Kafka."""

from __future__ import annotations

import importlib.util
from pathlib import Path

COMPONENT = Path(__file__).resolve().parents[1] / "component" / "test_list_representation.py"
_spec = importlib.util.spec_from_file_location("registry_pg_test_list_representation", COMPONENT)
assert _spec is not None
assert _spec.loader is not None
_unit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_unit)
# The same test functions; this directory's conftest gives them a PostgreSQL + Kafka `api`.
globals().update({k: v for k, v in vars(_unit).items() if k.startswith("test_")})
