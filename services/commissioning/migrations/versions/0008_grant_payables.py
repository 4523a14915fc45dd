"""grant payables: a payable belongs to a contract or to a grant, never both (docs/grants.md)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 22:50:00.000000

A grant instalment is raised on the payables ledger (basis ``grant``), so ``contract_id``
becomes nullable next to a new ``grant_id``; a CHECK keeps exactly one of them set and
``source`` is unique per grant as it is per contract. Programmes and grants gain their payment
term (days from an instalment's date to its due date, default 30). The instalments already
awarded are raised as payables here, paid where ``grant_payments`` says so; a downgrade
deletes the grant payables (the older schema cannot hold them).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ONE_OWNER = "(contract_id IS NULL) <> (grant_id IS NULL)"


def upgrade() -> None:
    for table in ("grant_programmes", "grants"):
        op.add_column(
            table,
            sa.Column("payment_terms_days", sa.Integer(), server_default="30", nullable=False),
        )
    with op.batch_alter_table("payables") as batch:
        batch.alter_column("contract_id", existing_type=sa.String(length=36), nullable=True)
        batch.add_column(sa.Column("grant_id", sa.String(length=36), nullable=True))
        batch.create_foreign_key("fk_payables_grant", "grants", ["grant_id"], ["id"])
        batch.create_unique_constraint("uq_payables_grant_source", ["grant_id", "source"])
        batch.create_check_constraint("ck_payables_one_owner", ONE_OWNER)
    op.create_index("ix_payables_grant", "payables", ["grant_id"])
    _raise_existing()


def _raise_existing() -> None:
    """Raise the instalments of grants awarded before this revision as grant payables."""
    bind = op.get_bind()
    g = sa.table("grants", *map(sa.column, ("id", "council_id", "recipient_id")))
    p = sa.table(
        "grant_payments",
        *map(sa.column, ("grant_id", "no", "due_on", "amount", "paid_on", "reference")),
    )
    rows = bind.execute(
        sa.select(g.c.id, g.c.council_id, g.c.recipient_id, p.c.no, p.c.due_on)
        .add_columns(p.c.amount, p.c.paid_on, p.c.reference)
        .select_from(g.join(p, p.c.grant_id == g.c.id))
    ).mappings()
    now = datetime.now(UTC)
    payables = sa.table(
        "payables",
        *map(
            sa.column,
            (
                "id",
                "grant_id",
                "buyer_id",
                "supplier_id",
                "basis",
                "source",
                "amount",
                "received_on",
                "due_on",
                "status",
                "paid_on",
                "was_late",
                "version",
                "created_at",
                "updated_at",
            ),
        ),
        sa.column("document", sa.JSON()),
    )
    for r in list(rows):
        due = date.fromisoformat(r["due_on"]) + timedelta(days=30)
        paid = r["paid_on"]
        bind.execute(
            sa.insert(payables).values(
                id=str(uuid.uuid4()),
                grant_id=r["id"],
                buyer_id=r["council_id"],
                supplier_id=r["recipient_id"],
                basis="grant",
                source=f"instalment:{r['no']}",
                amount=r["amount"],
                received_on=r["due_on"],
                due_on=due.isoformat(),
                status="paid" if paid else "due",
                paid_on=paid,
                was_late=int(bool(paid) and date.fromisoformat(paid) > due),
                version=1,
                created_at=now,
                updated_at=now,
                document={
                    "description": f"Grant instalment {r['no']}, scheduled {r['due_on']}",
                    "reference": r["reference"],
                },
            )
        )


def downgrade() -> None:
    op.execute("DELETE FROM payables WHERE grant_id IS NOT NULL")
    op.drop_index("ix_payables_grant", table_name="payables")
    with op.batch_alter_table("payables") as batch:
        batch.drop_constraint("ck_payables_one_owner", type_="check")
        batch.drop_constraint("uq_payables_grant_source", type_="unique")
        batch.drop_constraint("fk_payables_grant", type_="foreignkey")
        batch.drop_column("grant_id")
        batch.alter_column("contract_id", existing_type=sa.String(length=36), nullable=False)
    for table in ("grants", "grant_programmes"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("payment_terms_days")
