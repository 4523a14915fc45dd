"""The gateway's tables: API clients, councils, signing keys and the public change feed."""

from __future__ import annotations

from sqlalchemy import (
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
from streetlevel.common.inbox import inbox_tables
from streetlevel.common.outbox import outbox_table

metadata = MetaData()

api_clients = Table(
    "api_clients",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    # HMAC-SHA256 of the secret under the server key: the secret itself is never stored.
    Column("secret_digest", String(64), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("org", String(50), nullable=True),
    Column("area", String(9), nullable=True),
    Column("enterprise_id", String(36), nullable=True),
    Column("rate_limit", String(50), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("secret_rotated_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
)

councils = Table(
    "councils",
    metadata,
    Column("org_id", String(50), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("area", String(9), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(40), primary_key=True),
    Column("alg", String(10), nullable=False),
    # PKCS#8 PEM encrypted under the server key.
    Column("private_pem", LargeBinary, nullable=False),
    Column("public_jwk", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("activated_at", UtcDateTime, nullable=True),
    Column("retired_at", UtcDateTime, nullable=True),
)

feed_events = Table(
    "feed_events",
    metadata,
    # Assigned by the single feed writer: gapless and increasing in commit order.
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("type", String(200), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("time", UtcDateTime, nullable=False),
    Column("envelope", Text, nullable=False),
    Column("stored_at", UtcDateTime, nullable=False),
    Index("ix_feed_events_type_position", "type", "position"),
    Index("ix_feed_events_stored_at", "stored_at"),
)

feed_head = Table(
    "feed_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_position", BigInteger, nullable=False),
    Column("pruned_through", BigInteger, nullable=False),
)

# The feed writer runs as a Runtime consumer: the Runtime needs an outbox (never written).
outbox = outbox_table(metadata)
inbox = inbox_tables(metadata)
