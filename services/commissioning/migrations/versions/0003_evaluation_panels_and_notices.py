"""evaluation panels and Procurement Act notices

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 16:40:00.000000

A lot's evaluation (panel, declarations, scores, moderation, award, history) is stored whole;
each published notice (UK4 to UK12) is kept in order per commission.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluations",
        sa.Column("commission_id", sa.String(length=36), nullable=False),
        sa.Column("lot_id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["commission_id"], ["commissions.id"]),
        sa.PrimaryKeyConstraint("commission_id", "lot_id"),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("commission_id", sa.String(length=36), nullable=False),
        sa.Column("lot_id", sa.String(length=36), nullable=True),
        sa.Column("contract_id", sa.String(length=36), nullable=True),
        sa.Column("notice_type", sa.String(length=10), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["commission_id"], ["commissions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notices_commission_id", "notices", ["commission_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_notices_commission_id", table_name="notices")
    op.drop_table("notices")
    op.drop_table("evaluations")
