"""The public NDJSON line stored on the row (PostgreSQL): the export copies it, rendering nothing.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 02:10:00.000000

Rendering ``public_json`` for every row cost the database more than everything else in the export
(a COPY of the rendered line took ~8 x a COPY of the same row's raw columns). A generated column
renders it once per write instead, so the export only reads it. The expression is that of
``adapters/read/public_json.py`` as it stood, written out so the migration never changes; the
export's parity tests compare the stored line with ``public_view`` row by row, so a change to
the public view that this line does not follow fails them until a migration renders it anew.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The columns the public line reads, in the function's parameter order, with their types.
COLUMNS = (
    ("id", "uuid"),
    ("identifier_scheme", "text"),
    ("identifier_id", "text"),
    ("name", "text"),
    ("legal_form", "text"),
    ("status", "text"),
    ("mission", "text"),
    ("themes", "json"),
    ("areas_served", "json"),
    ("website", "text"),
    ("employees", "integer"),
    ("trading_income_pct", "double precision"),
    ("profit_reinvested_pct", "double precision"),
    ("asset_lock", "boolean"),
    ("independent", "boolean"),
    ("publishes_social_report", "boolean"),
    ("accreditations", "json"),
    ("services", "json"),
    ("founded_on", "date"),
    ("address", "json"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
    ("version", "integer"),
)
#: public_json.PUBLIC_JSON over ``e`` (one concatenated operand a line).
PUBLIC_JSON = """
    '{"id":"'
    || e.id::text
    || '","identifier":'
    || CASE WHEN e.identifier_scheme <> '' THEN '{"scheme":'
    || coalesce(to_json(e.identifier_scheme)::text, 'null')
    || ',"id":'
    || coalesce(to_json(e.identifier_id)::text, 'null')
    || '}' ELSE 'null' END
    || ',"name":'
    || coalesce(to_json(e.name)::text, 'null')
    || ',"legal_form":'
    || coalesce(to_json(e.legal_form)::text, 'null')
    || ',"status":"'
    || e.status
    || '","mission":'
    || coalesce(to_json(e.mission)::text, 'null')
    || ',"themes":'
    || e.themes::text
    || ',"areas_served":'
    || e.areas_served::text
    || ',"website":'
    || coalesce(to_json(e.website)::text, 'null')
    || ',"employees":'
    || coalesce(e.employees::text, 'null')
    || ',"size":'
    || CASE WHEN e.employees IS NULL THEN 'null' WHEN e.employees < 10 THEN '"micro"'
        WHEN e.employees < 50 THEN '"small"' WHEN e.employees < 250 THEN '"medium"'
        ELSE '"large"' END
    || ',"trading_income_pct":'
    || CASE WHEN e.trading_income_pct IS NULL THEN 'null'
        WHEN e.trading_income_pct = trunc(e.trading_income_pct) AND abs(e.trading_income_pct) < 1e15
        THEN trunc(e.trading_income_pct)::bigint::text
    || '.0' WHEN e.trading_income_pct IN ('NaN', 'Infinity', '-Infinity') THEN 'null'
        ELSE e.trading_income_pct::text END
    || ',"profit_reinvested_pct":'
    || CASE WHEN e.profit_reinvested_pct IS NULL THEN 'null'
        WHEN e.profit_reinvested_pct = trunc(e.profit_reinvested_pct)
        AND abs(e.profit_reinvested_pct) < 1e15 THEN trunc(e.profit_reinvested_pct)::bigint::text
    || '.0' WHEN e.profit_reinvested_pct IN ('NaN', 'Infinity', '-Infinity') THEN 'null'
        ELSE e.profit_reinvested_pct::text END
    || ',"asset_lock":'
    || coalesce(e.asset_lock::text, 'null')
    || ',"independent":'
    || coalesce(e.independent::text, 'null')
    || ',"publishes_social_report":'
    || coalesce(e.publishes_social_report::text, 'null')
    || ',"accreditations":'
    || e.accreditations::text
    || ',"services":'
    || e.services::text
    || ',"founded_on":'
    || CASE WHEN e.founded_on IS NULL THEN 'null' WHEN e.founded_on = 'infinity' THEN '"9999-12-31"'
        WHEN e.founded_on = '-infinity' THEN '"0001-01-01"' ELSE '"'
    || to_char(e.founded_on, 'YYYY-MM-DD')
    || '"' END
    || ',"address":'
    || CASE
        WHEN e.legal_form IN ('partnership', 'sole_trader', 'unincorporated_association')
        OR e.address IS NULL
        THEN 'null' ELSE e.address::text END
    || ',"created_at":"'
    || CASE WHEN e.created_at = 'infinity' THEN '9999-12-31T23:59:59.999999Z'
        WHEN e.created_at = '-infinity' THEN '0001-01-01T00:00:00Z'
        ELSE replace(to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            '.000000Z', 'Z') END
    || '","updated_at":"'
    || CASE WHEN e.updated_at = 'infinity' THEN '9999-12-31T23:59:59.999999Z'
        WHEN e.updated_at = '-infinity' THEN '0001-01-01T00:00:00Z'
        ELSE replace(to_char(e.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            '.000000Z', 'Z') END
    || '","version":'
    || e.version::text
    || '}'
"""
# Immutable as a generated column requires: every part is a pure function of its arguments once
# extra_float_digits is pinned (floats print shortest-exact at 1, PostgreSQL's default), and the
# time zone never matters (timestamps are converted AT TIME ZONE 'UTC' before they are printed).
PUBLIC_LINE = (
    "CREATE FUNCTION registry_public_line("  # noqa: S608 - from the constants above
    + ", ".join(t for _, t in COLUMNS)
    + ") RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE SET extra_float_digits = 1 AS $$ "
    + f"SELECT {PUBLIC_JSON} FROM (SELECT "  # noqa: S608
    + ", ".join(f"${n}::{t} AS {c}" for n, (c, t) in enumerate(COLUMNS, 1))
    + ") e $$"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PUBLIC_LINE)
    arguments = ", ".join(c for c, _ in COLUMNS)
    op.execute(
        "ALTER TABLE enterprises ADD COLUMN public_line text "
        f"GENERATED ALWAYS AS (registry_public_line({arguments})) STORED"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE enterprises DROP COLUMN IF EXISTS public_line")
    op.execute(f"DROP FUNCTION IF EXISTS registry_public_line({', '.join(t for _, t in COLUMNS)})")
