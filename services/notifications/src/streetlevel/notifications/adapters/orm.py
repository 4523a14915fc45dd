"""Tables of the notifications database: subscriptions, the event log, deliveries, attempts."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from streetlevel.common.db import UtcDateTime
from streetlevel.common.idempotency import idempotency_table
from streetlevel.common.inbox import inbox_tables
from streetlevel.common.outbox import outbox_table

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
Id = BigInteger().with_variant(Integer(), "sqlite")

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("owner", String(120), nullable=False, index=True),
    Column("url", String(2048), nullable=False),
    Column("description", String(500), nullable=False),
    Column("filters", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("disabled_reason", String(200)),
    Column("failing_since", UtcDateTime()),
    # HMAC needs the secret itself: it is stored, never returned after creation or rotation.
    Column("secrets", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

#: One row: bumped by every subscription write in its own transaction, so a process may keep
#: the active subscriptions' filters and check with one read that no replica changed them.
subscription_generation = Table(
    "subscription_generation",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("generation", BigInteger, nullable=False),
)

#: Every event this service received, in arrival order: the private feeds and replays read it.
events = Table(
    "events",
    metadata,
    Column("position", Id, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("type", String(200), nullable=False),
    Column("audience", String(120), index=True),
    Column("time", UtcDateTime(), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False, index=True),
    Column("body", LargeBinary, nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("subscription_id", String(36), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("message_id", String(80), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
    Index("ix_deliveries_subscription", "subscription_id", "id"),
)

attempts = Table(
    "attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("delivery_id", BigInteger, nullable=False),
    Column("subscription_id", String(36), nullable=False),
    Column("message_id", String(80), nullable=False),
    Column("attempted_at", UtcDateTime(), nullable=False),
    Column("status_code", Integer),
    Column("latency_ms", Integer, nullable=False),
    Column("error", String(200)),
    Column("excerpt", Text),
    Index("ix_attempts_subscription", "subscription_id", "id"),
)

outbox = outbox_table(metadata)
inbox = inbox_tables(metadata)
idempotency = idempotency_table(metadata)
