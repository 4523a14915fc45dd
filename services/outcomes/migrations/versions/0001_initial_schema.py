"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 16:03:19.760079
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contracts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("commission_id", sa.String(length=36), nullable=False),
        sa.Column("ocid", sa.String(length=100), nullable=True),
        sa.Column("buyer_id", sa.String(length=64), nullable=False),
        sa.Column("buyer_name", sa.String(length=200), nullable=False),
        sa.Column("supplier_id", sa.String(length=36), nullable=False),
        sa.Column("supplier_name", sa.String(length=200), nullable=False),
        sa.Column("lot", sa.JSON(), nullable=False),
        sa.Column("rate_card", sa.JSON(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value_amount", sa.BigInteger(), nullable=False),
        sa.Column("value_currency", sa.String(length=3), nullable=False),
        sa.Column("payment_model", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contracts_buyer_id"), ["buyer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_supplier_id"), ["supplier_id"], unique=False)

    op.create_table(
        "dead_letters",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
    )
    op.create_table(
        "enterprise_names",
        sa.Column("enterprise_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("enterprise_id", name=op.f("pk_enterprise_names")),
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_inbox")),
    )
    op.create_table(
        "inbox_sequences",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "subject", name=op.f("pk_inbox_sequences")),
    )
    op.create_table(
        "indicators",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("proxy_amount", sa.BigInteger(), nullable=True),
        sa.Column("proxy_currency", sa.String(length=3), nullable=True),
        sa.Column("proxy_source", sa.String(length=300), nullable=True),
        sa.Column("proxy_year", sa.Integer(), nullable=True),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_indicators")),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_published_at", ["published_at"], unique=False)
        batch_op.create_index(
            "ix_outbox_unpublished",
            ["id"],
            unique=False,
            postgresql_where=sa.text("published_at IS NULL"),
            sqlite_where=sa.text("published_at IS NULL"),
        )

    op.create_table(
        "parked_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parked_events")),
    )
    with op.batch_alter_table("parked_events", schema=None) as batch_op:
        batch_op.create_index("ix_parked_open", ["consumer", "key", "id"], unique=False)

    op.create_table(
        "plans",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("contract_id", sa.String(length=36), nullable=False),
        sa.Column("assumptions", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_plans_contract_id_contracts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint("contract_id", name=op.f("uq_plans_contract_id")),
    )
    op.create_table(
        "observations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("plan_id", sa.String(length=36), nullable=False),
        sa.Column("contract_id", sa.String(length=36), nullable=False),
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("area", sa.String(length=9), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("supersedes", sa.String(length=36), nullable=True),
        sa.Column("superseded_by", sa.String(length=36), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_observations_plan_id_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observations")),
    )
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_observations_contract_id"), ["contract_id"], unique=False
        )
        batch_op.create_index("ix_observations_plan_status", ["plan_id", "status"], unique=False)
        batch_op.create_index(
            "uq_observations_current_key",
            ["plan_id", "indicator_code", "period_start", "period_end", "area"],
            unique=True,
            postgresql_where=sa.text("current"),
            sqlite_where=sa.text("current"),
        )

    op.create_table(
        "plan_indicators",
        sa.Column("plan_id", sa.String(length=36), nullable=False),
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("baseline_value", sa.String(length=64), nullable=True),
        sa.Column("baseline_date", sa.Date(), nullable=True),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_indicators_plan_id_plans")
        ),
        sa.PrimaryKeyConstraint("plan_id", "indicator_code", name=op.f("pk_plan_indicators")),
    )
    op.create_table(
        "observation_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("observation_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["observations.id"],
            name=op.f("fk_observation_history_observation_id_observations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observation_history")),
    )


def downgrade() -> None:
    op.drop_table("observation_history")
    op.drop_table("plan_indicators")
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_observations_current_key",
            postgresql_where=sa.text("current"),
            sqlite_where=sa.text("current"),
        )
        batch_op.drop_index("ix_observations_plan_status")
        batch_op.drop_index(batch_op.f("ix_observations_contract_id"))

    op.drop_table("observations")
    op.drop_table("plans")
    with op.batch_alter_table("parked_events", schema=None) as batch_op:
        batch_op.drop_index("ix_parked_open")

    op.drop_table("parked_events")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_outbox_unpublished",
            postgresql_where=sa.text("published_at IS NULL"),
            sqlite_where=sa.text("published_at IS NULL"),
        )
        batch_op.drop_index("ix_outbox_published_at")

    op.drop_table("outbox")
    op.drop_table("indicators")
    op.drop_table("inbox_sequences")
    op.drop_table("inbox")
    op.drop_table("enterprise_names")
    op.drop_table("dead_letters")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contracts_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_contracts_buyer_id"))

    op.drop_table("contracts")
