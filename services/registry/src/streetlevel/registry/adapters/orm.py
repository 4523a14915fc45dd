"""The registry's tables: enterprises, their search keys, revision history, areas, outbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from streetlevel.common.db import Pence, UtcDateTime
from streetlevel.common.idempotency import idempotency_table
from streetlevel.common.inbox import inbox_tables
from streetlevel.common.outbox import outbox_table

BigId = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

enterprises = Table(
    "enterprises",
    metadata,
    Column("id", Uuid(as_uuid=True), primary_key=True),
    Column("identifier_scheme", String(20), nullable=True),
    Column("identifier_id", String(40), nullable=True),
    Column("name", String(300), nullable=False),
    Column("legal_form", String(60), nullable=False),
    Column("status", String(20), nullable=False),
    Column("mission", Text, nullable=True),
    Column("website", String(2000), nullable=True),
    Column("employees", Integer, nullable=True),
    Column("size", String(10), nullable=True),
    Column("trading_income_pct", Float, nullable=True),
    Column("profit_reinvested_pct", Float, nullable=True),
    Column("asset_lock", Boolean, nullable=True),
    Column("independent", Boolean, nullable=True),
    Column("publishes_social_report", Boolean, nullable=True),
    Column("themes", JSON, nullable=False),
    Column("areas_served", JSON, nullable=False),
    Column("accreditations", JSON, nullable=False),
    Column("services", JSON, nullable=False),
    # Plain text of the services' names and descriptions, for full-text search.
    Column("services_text", Text, nullable=False, default=""),
    Column("founded_on", Date, nullable=True),
    # Private: never in the public view, open data or events.
    Column("contact", JSON, nullable=True),
    Column("address", JSON, nullable=True),
    Column("annual_turnover", Pence, nullable=True),
    Column("registered_by_client", String(200), nullable=True),
    Column("registered_by_org", String(100), nullable=True),
    Column("owner_client_id", String(200), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("identifier_scheme", "identifier_id"),
    Index("ix_enterprises_name_id", "name", "id"),
    Index("ix_enterprises_updated_at_id", "updated_at", "id"),
    Index("ix_enterprises_status_name_id", "status", "name", "id"),
    Index("ix_enterprises_legal_form_name_id", "legal_form", "name", "id"),
    Index("ix_enterprises_size_name_id", "size", "name", "id"),
    Index("ix_enterprises_owner_client_id", "owner_client_id"),
    Index("ix_enterprises_registered_by_org", "registered_by_org"),
)

enterprise_areas = Table(
    "enterprise_areas",
    metadata,
    Column(
        "enterprise_id",
        Uuid(as_uuid=True),
        ForeignKey("enterprises.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("area_code", String(9), primary_key=True),
    Index("ix_enterprise_areas_area_code_enterprise_id", "area_code", "enterprise_id"),
)

enterprise_themes = Table(
    "enterprise_themes",
    metadata,
    Column(
        "enterprise_id",
        Uuid(as_uuid=True),
        ForeignKey("enterprises.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("theme", String(60), primary_key=True),
    Index("ix_enterprise_themes_theme_enterprise_id", "theme", "enterprise_id"),
)

enterprise_accreditations = Table(
    "enterprise_accreditations",
    metadata,
    Column(
        "enterprise_id",
        Uuid(as_uuid=True),
        ForeignKey("enterprises.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("accreditation", String(200), primary_key=True),
    Index(
        "ix_enterprise_accreditations_accreditation_enterprise_id",
        "accreditation",
        "enterprise_id",
    ),
)

revisions = Table(
    "enterprise_revisions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "enterprise_id",
        Uuid(as_uuid=True),
        ForeignKey("enterprises.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("version", Integer, nullable=False),
    Column("action", String(40), nullable=False),
    Column("actor", String(300), nullable=False),
    Column("client_id", String(200), nullable=True),
    Column("at", UtcDateTime, nullable=False),
    Column("patch", JSON, nullable=False),
    Column("request_id", String(128), nullable=True),
    Index("ix_enterprise_revisions_enterprise_id_id", "enterprise_id", "id"),
)

areas = Table(
    "areas",
    metadata,
    Column("code", String(9), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("type", String(10), nullable=False),
    Column("parent", String(9), nullable=True),
    Index("ix_areas_parent", "parent"),
    Index("ix_areas_type_code", "type", "code"),
    Index("ix_areas_name", "name"),
)

# One row per load, so that every process can tell when its cached hierarchy is stale.
area_loads = Table(
    "area_loads",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("loaded_at", UtcDateTime, nullable=False),
    Column("source", String(500), nullable=False),
    Column("areas", Integer, nullable=False),
)

# What the registry last published on registry.theme.v1, so start-up publishes only changes.
published_themes = Table(
    "published_themes",
    metadata,
    Column("code", String(60), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("retired", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("published_at", UtcDateTime, nullable=False),
)

outbox = outbox_table(metadata)
idempotency = idempotency_table(metadata)
inbox = inbox_tables(metadata)

#: Search objects created by the migrations per dialect; the models do not describe them.
#: On PostgreSQL the ``*_keys`` columns are generated ``text[]`` copies of the JSON lists, and
#: ``public_line`` the public record's generated NDJSON line (migration 0006).
DIALECT_ONLY_OBJECTS = frozenset(
    {
        "search_vector",
        "ix_enterprises_search_vector",
        "theme_keys",
        "area_keys",
        "accreditation_keys",
        "public_line",
        "ix_enterprises_search_keys",
        "ix_enterprises_area_keys",
        "ix_enterprises_name_trgm",
        "enterprises_fts",
        "enterprises_fts_data",
        "enterprises_fts_idx",
        "enterprises_fts_content",
        "enterprises_fts_docsize",
        "enterprises_fts_config",
    }
)

#: The prefix of the partial search indexes, one per theme (PostgreSQL, migration 0004).
THEME_SEARCH_INDEX = "ix_enterprises_search_theme_"


def include_in_migrations(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic ``include_object``: leave the dialect-specific search objects to the migration."""
    return name not in DIALECT_ONLY_OBJECTS and not (name or "").startswith(THEME_SEARCH_INDEX)
