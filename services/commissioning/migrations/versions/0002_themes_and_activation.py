"""theme read model; contracts activated at their start

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 13:40:00.000000

The theme vocabulary is learned from registry.theme.v1; ``activate_at`` holds the start of a
contract the buyer activated before it began (the scheduler activates it then).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "theme_read_model",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("activate_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_contracts_due", ["status", "activate_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index("ix_contracts_due")
        batch_op.drop_column("activate_at")
    op.drop_table("theme_read_model")
