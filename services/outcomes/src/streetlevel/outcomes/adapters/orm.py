"""Tables of the outcomes database: catalogue, plans, observations, read models, outbox, inbox."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.types import TypeDecorator

from streetlevel.common.db import Pence, UtcDateTime
from streetlevel.common.idempotency import idempotency_table
from streetlevel.common.inbox import inbox_tables
from streetlevel.common.outbox import outbox_table
from streetlevel.common.themes import theme_table


class DecimalText(TypeDecorator[Decimal]):
    """An exact decimal stored as text: SQLite has no exact numeric type."""

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(Decimal(value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

indicators = Table(
    "indicators",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("unit", String(16), nullable=False),
    Column("direction", String(16), nullable=False),
    Column("themes", JSON, nullable=False),
    Column("proxy_amount", Pence, nullable=True),
    Column("proxy_currency", String(3), nullable=True),
    Column("proxy_source", String(300), nullable=True),
    Column("proxy_year", Integer, nullable=True),
    Column("sensitive", Boolean, nullable=False),
    Column("owner", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

contracts = Table(
    "contracts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("commission_id", String(36), nullable=False),
    Column("ocid", String(100), nullable=True),
    Column("buyer_id", String(64), nullable=False, index=True),
    Column("buyer_name", String(200), nullable=False),
    Column("supplier_id", String(36), nullable=False, index=True),
    Column("supplier_name", String(200), nullable=False),
    Column("lot", JSON, nullable=False),
    Column("rate_card", JSON, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("value_amount", Pence, nullable=False),
    Column("value_currency", String(3), nullable=False),
    Column("payment_model", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("verification_days", Integer, nullable=False, server_default="10"),
)

enterprise_names = Table(
    "enterprise_names",
    metadata,
    Column("enterprise_id", String(36), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

plans = Table(
    "plans",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("contract_id", String(36), ForeignKey("contracts.id"), nullable=False, unique=True),
    Column("assumptions", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

plan_indicators = Table(
    "plan_indicators",
    metadata,
    Column("plan_id", String(36), ForeignKey("plans.id"), primary_key=True),
    Column("indicator_code", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("baseline_value", DecimalText, nullable=True),
    Column("baseline_date", Date, nullable=True),
    # Targets per period and area: [{"period": {"start", "end"}, "area", "value"}].
    Column("targets", JSON, nullable=False),
)

observations = Table(
    "observations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("plan_id", String(36), ForeignKey("plans.id"), nullable=False),
    Column("contract_id", String(36), nullable=False, index=True),
    Column("indicator_code", String(64), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("area", String(9), nullable=False),
    Column("value", DecimalText, nullable=False),
    Column("evidence", Text, nullable=True),
    Column("status", String(16), nullable=False),
    Column("current", Boolean, nullable=False),
    Column("supersedes", String(36), nullable=True),
    Column("superseded_by", String(36), nullable=True),
    Column("reported_by", String(200), nullable=False),
    Column("reported_at", UtcDateTime, nullable=False),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("decision_note", Text, nullable=True),
    Column("version", Integer, nullable=False),
    #: The council's deadline to verify it, and when it passed unanswered (escalated).
    Column("verify_by", UtcDateTime, nullable=True),
    Column("escalated_at", UtcDateTime, nullable=True),
    Index("ix_observations_plan_status", "plan_id", "status"),
    Index("ix_observations_verify_by", "status", "verify_by"),
    # One current observation per plan, indicator, period and area; history stays.
    Index(
        "uq_observations_current_key",
        "plan_id",
        "indicator_code",
        "period_start",
        "period_end",
        "area",
        unique=True,
        postgresql_where=text("current"),
        sqlite_where=text("current"),
    ),
)

observation_history = Table(
    "observation_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("observation_id", String(36), ForeignKey("observations.id"), nullable=False),
    Column("action", String(32), nullable=False),
    Column("note", Text, nullable=True),
    Column("actor", String(200), nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

outbox = outbox_table(metadata)
inbox = inbox_tables(metadata)
idempotency = idempotency_table(metadata)
themes = theme_table(metadata)
