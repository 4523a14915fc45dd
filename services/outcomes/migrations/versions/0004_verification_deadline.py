"""verification deadline: a contract's verification term, each report's deadline and escalation

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 20:05:00.000000

``contracts.verification_days``: the working days the council has to verify a report (10
unless the contract says otherwise). ``observations.verify_by``: the report's deadline;
``escalated_at``: when it passed unanswered (docs/payments.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contracts") as batch:
        batch.add_column(
            sa.Column("verification_days", sa.Integer(), server_default="10", nullable=False)
        )
    with op.batch_alter_table("observations") as batch:
        batch.add_column(sa.Column("verify_by", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_observations_verify_by", "observations", ["status", "verify_by"])


def downgrade() -> None:
    op.drop_index("ix_observations_verify_by", table_name="observations")
    with op.batch_alter_table("observations") as batch:
        batch.drop_column("escalated_at")
        batch.drop_column("verify_by")
    with op.batch_alter_table("contracts") as batch:
        batch.drop_column("verification_days")
