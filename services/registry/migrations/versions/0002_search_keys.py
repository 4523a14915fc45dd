"""Search keys on the enterprise row (PostgreSQL): themes, areas, accreditations as GIN arrays.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 18:50:00.000000

Generated ``text[]`` columns, so every write keeps them in its own statement and adding them
backfills every existing row; GIN indexes narrow the text match by theme and accreditation
before the heap is read. SQLite keeps its side tables.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = (
    ("theme_keys", "themes"),
    ("area_keys", "areas_served"),
    ("accreditation_keys", "accreditations"),
)
# Immutable (a pure function of its argument), as a generated column requires.
TEXT_ARRAY = (
    "CREATE FUNCTION registry_text_array(value json) RETURNS text[] "
    "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
    "SELECT coalesce(array_agg(item ORDER BY n), '{}') "
    "FROM pg_catalog.json_array_elements_text(value) WITH ORDINALITY AS t(item, n) $$"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(TEXT_ARRAY)
    op.execute(
        "ALTER TABLE enterprises "
        + ", ".join(
            f"ADD COLUMN {key} text[] GENERATED ALWAYS AS (registry_text_array({source})) STORED"
            for key, source in KEYS
        )
    )
    # One GIN over text and keys: its scan intersects them (skipping through the long posting
    # lists of common themes) instead of building a bitmap of every row with the theme.
    op.execute(
        "CREATE INDEX ix_enterprises_search_keys ON enterprises "
        "USING gin (search_vector, theme_keys, accreditation_keys)"
    )
    op.execute("CREATE INDEX ix_enterprises_area_keys ON enterprises USING gin (area_keys)")
    op.execute("ANALYZE enterprises")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_enterprises_area_keys")
    op.execute("DROP INDEX IF EXISTS ix_enterprises_search_keys")
    op.execute(
        "ALTER TABLE enterprises " + ", ".join(f"DROP COLUMN IF EXISTS {k}" for k, _ in KEYS)
    )
    op.execute("DROP FUNCTION IF EXISTS registry_text_array(json)")
