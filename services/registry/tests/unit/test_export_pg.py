"""The PostgreSQL export's line: the keys of ``public_view``, and no private column."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

from streetlevel.registry.adapters.read.export_pg import PUBLIC_LINES
from streetlevel.registry.adapters.read.public_json import FIELDS
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
