"""Full-text search per theme (PostgreSQL): a partial GIN of the search vector for each theme.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 09:20:00.000000

A text search with a theme read the posting list of every matching word from the combined GIN
(0002) and kept the entries of the theme: at 1M rows "kitchen" read 3,921 entries to keep 342,
~1 ms of a 3.5 ms search. An index holding only one theme's rows gives those 342 directly. The
theme list is fixed (written out here, as it stood, so the migration never changes); a theme
added later without its index is still searched, through ix_enterprises_search_keys.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

THEMES = (
    "employment-skills",
    "health-wellbeing",
    "youth",
    "older-people",
    "environment",
    "housing",
    "food",
    "financial-inclusion",
    "arts-culture",
    "community-cohesion",
    "transport",
    "digital-inclusion",
)


def index_name(theme: str) -> str:
    return "ix_enterprises_search_theme_" + theme.replace("-", "_")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for theme in THEMES:
        # The predicate is the search's own filter (theme_keys @> {theme}), so the planner can
        # prove it once the theme is a constant (engines plan every execution with its values).
        op.execute(
            f"CREATE INDEX {index_name(theme)} ON enterprises USING gin (search_vector) "
            f"WHERE theme_keys @> '{{{theme}}}'::text[]"
        )
    op.execute("ANALYZE enterprises")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for theme in THEMES:
        op.execute(f"DROP INDEX IF EXISTS {index_name(theme)}")
