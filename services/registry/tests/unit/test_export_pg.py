"""The PostgreSQL export's line: the keys of ``public_view``, and no private column."""

from __future__ import annotations

import importlib.util
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from streetlevel.registry.adapters.read.export_pg import PUBLIC_LINES
from streetlevel.registry.adapters.read.public_json import FIELDS, PUBLIC_JSON
from streetlevel.registry.adapters.read.views import public_view


def a_row() -> SimpleNamespace:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    return SimpleNamespace(
        id=uuid.uuid4(),
        identifier_scheme=None,
        identifier_id=None,
        name="A",
        legal_form="sole_trader",
        status="verified",
        mission=None,
        themes=[],
        areas_served=[],
        website=None,
        employees=None,
        trading_income_pct=None,
        profit_reinvested_pct=None,
        asset_lock=None,
        independent=None,
        publishes_social_report=None,
        accreditations=[],
        services=[],
        founded_on=None,
        address=None,
        created_at=now,
        updated_at=now,
        version=1,
    )


def test_the_postgres_line_has_the_keys_of_the_public_view_in_its_order() -> None:
    assert [key for key, _ in FIELDS] == list(public_view(a_row()))


def test_the_postgres_line_reads_no_private_column() -> None:
    for column in ("contact", "annual_turnover", "registered_by", "owner_client_id"):
        assert column not in PUBLIC_LINES


def test_the_stored_line_of_migration_0006_renders_what_public_json_renders() -> None:
    # A change to the public view changes PUBLIC_JSON; the stored line then needs a migration.
    path = Path(__file__).parents[2] / "migrations" / "versions" / "0006_public_line.py"
    spec = importlib.util.spec_from_file_location("migration_0006", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert " ".join(module.PUBLIC_JSON.split()) == " ".join(PUBLIC_JSON.split())
    assert {c for c, _ in module.COLUMNS} == set(re.findall(r"\be\.(\w+)", PUBLIC_JSON))
