"""payables: invoice-like amounts owed on contracts, with their clock (docs/payments.md)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 19:40:00.000000

One row per amount owed: an instalment of the fixed part, a verified outcome, a credit line
(a reversed outcome payment) or, later, a grant instalment. ``source`` is unique per contract,
so a duplicated event never raises a payable twice. ``verification_escalations`` counts the
outcome reports a council left unverified past their deadline, against it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payables",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("contract_id", sa.String(length=36), nullable=False),
        sa.Column("buyer_id", sa.String(length=50), nullable=False),
        sa.Column("supplier_id", sa.String(length=36), nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("received_on", sa.String(length=10), nullable=False),
        sa.Column("due_on", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("paid_on", sa.String(length=10), nullable=True),
        sa.Column("was_late", sa.Integer(), server_default="0", nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contract_id"], ["contracts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("contract_id", "source", name="uq_payables_source"),
    )
    op.create_index("ix_payables_buyer", "payables", ["buyer_id", "received_on"])
    op.create_index("ix_payables_due", "payables", ["status", "due_on"])
    op.create_index("ix_payables_contract", "payables", ["contract_id"])
    op.create_table(
        "verification_escalations",
        sa.Column("observation_id", sa.String(length=36), nullable=False),
        sa.Column("contract_id", sa.String(length=36), nullable=False),
        sa.Column("buyer_id", sa.String(length=50), nullable=False),
        sa.Column("escalated_on", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("observation_id"),
    )
    op.create_index(
        "ix_escalations_buyer", "verification_escalations", ["buyer_id", "escalated_on"]
    )


def downgrade() -> None:
    op.drop_index("ix_escalations_buyer", table_name="verification_escalations")
    op.drop_table("verification_escalations")
    op.drop_index("ix_payables_contract", table_name="payables")
    op.drop_index("ix_payables_due", table_name="payables")
    op.drop_index("ix_payables_buyer", table_name="payables")
    op.drop_table("payables")
