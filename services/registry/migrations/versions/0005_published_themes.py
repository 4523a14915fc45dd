"""The theme vocabulary as last published on registry.theme.v1.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 13:30:00.000000

Start-up compares the registry's theme list with these rows and publishes only what changed,
so restarts and replicas publish nothing twice.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "published_themes",
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_published_themes")),
    )


def downgrade() -> None:
    op.drop_table("published_themes")
