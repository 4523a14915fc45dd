"""ward micro-grants: programmes, applications, decisions, grants and their payment schedule

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 19:50:00.000000

A grant track outside procurement (docs/grants.md). ``grant_payments`` holds each grant's
instalments (due, paid, reference) until they are wired to the payables ledger.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "grant_programmes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("council_id", sa.String(length=50), nullable=False),
        sa.Column("council_name", sa.String(length=300), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=False),
        sa.Column("max_grant", sa.BigInteger(), nullable=False),
        sa.Column("committed", sa.BigInteger(), nullable=False),
        sa.Column("closes_on", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_grant_programmes_council_id", "grant_programmes", ["council_id"])
    op.create_table(
        "grant_applications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("programme_id", sa.String(length=36), nullable=False),
        sa.Column("enterprise_id", sa.String(length=36), nullable=False),
        sa.Column("enterprise_name", sa.String(length=300), nullable=False),
        sa.Column("amount_requested", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("people_reached", sa.Integer(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("submitted_at", TZ, nullable=False),
        sa.Column("decided_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["programme_id"], ["grant_programmes.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_grant_applications_programme_id", "grant_applications", ["programme_id"])
    op.create_index("ix_grant_applications_enterprise_id", "grant_applications", ["enterprise_id"])
    op.create_table(
        "grant_decisions",
        sa.Column("seq", BIG, autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("programme_id", sa.String(length=36), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("decided_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_grant_decisions_programme_id", "grant_decisions", ["programme_id"])
    op.create_table(
        "grants",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("programme_id", sa.String(length=36), nullable=False),
        sa.Column("decision_id", sa.String(length=36), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("council_id", sa.String(length=50), nullable=False),
        sa.Column("council_name", sa.String(length=300), nullable=False),
        sa.Column("recipient_id", sa.String(length=36), nullable=False),
        sa.Column("recipient_name", sa.String(length=300), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("people_planned", sa.Integer(), nullable=False),
        sa.Column("awarded_on", sa.String(length=10), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["programme_id"], ["grant_programmes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id"),
    )
    for column in ("programme_id", "council_id", "recipient_id"):
        op.create_index(f"ix_grants_{column}", "grants", [column])
    op.create_table(
        "grant_payments",
        sa.Column("id", BIG, autoincrement=True, nullable=False),
        sa.Column("grant_id", sa.String(length=36), nullable=False),
        sa.Column("no", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.String(length=10), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["grant_id"], ["grants.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("grant_id", "no", name="uq_grant_payments_no"),
    )


def downgrade() -> None:
    op.drop_table("grant_payments")
    for column in ("recipient_id", "council_id", "programme_id"):
        op.drop_index(f"ix_grants_{column}", table_name="grants")
    op.drop_table("grants")
    op.drop_index("ix_grant_decisions_programme_id", table_name="grant_decisions")
    op.drop_table("grant_decisions")
    op.drop_index("ix_grant_applications_enterprise_id", table_name="grant_applications")
    op.drop_index("ix_grant_applications_programme_id", table_name="grant_applications")
    op.drop_table("grant_applications")
    op.drop_index("ix_grant_programmes_council_id", table_name="grant_programmes")
    op.drop_table("grant_programmes")
