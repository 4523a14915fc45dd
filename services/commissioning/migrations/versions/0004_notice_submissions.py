"""notice submission queue (Procurement Act notices on their way to Find a Tender); contract changes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 16:30:00.000000

One row per published notice (UK2 to UK12): its OCDS release id and its submission status
(queued, submitted with Find a Tender's reference, accepted or rejected with the reason).
``contract_changes`` keeps each contract's modifications (UK10) and terminations (UK11).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notice_submissions",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("notice_id", sa.String(length=36), nullable=False),
        sa.Column("notice_type", sa.String(length=8), nullable=False),
        sa.Column("commission_id", sa.String(length=36), nullable=False),
        sa.Column("contract_id", sa.String(length=36), nullable=True),
        sa.Column("buyer_id", sa.String(length=50), nullable=False),
        sa.Column("release_id", sa.String(length=150), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("notice_id"),
    )
    op.create_index("ix_notice_submissions_commission_id", "notice_submissions", ["commission_id"])
    op.create_index("ix_notice_submissions_buyer_id", "notice_submissions", ["buyer_id"])
    op.create_table(
        "contract_changes",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("contract_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notice_id", sa.String(length=36), nullable=True),
        sa.Column("notice_type", sa.String(length=8), nullable=True),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_contract_changes_contract_id", "contract_changes", ["contract_id"])


def downgrade() -> None:
    op.drop_index("ix_contract_changes_contract_id", table_name="contract_changes")
    op.drop_table("contract_changes")
    op.drop_index("ix_notice_submissions_buyer_id", table_name="notice_submissions")
    op.drop_index("ix_notice_submissions_commission_id", table_name="notice_submissions")
    op.drop_table("notice_submissions")
