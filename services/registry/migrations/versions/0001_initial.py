"""Initial registry schema: enterprises, search, history, areas, outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 16:02:40.142227
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
        "area_loads",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("areas", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area_loads")),
    )
    op.create_table(
        "areas",
        sa.Column("code", sa.String(length=9), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("parent", sa.String(length=9), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_areas")),
    )
    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.create_index("ix_areas_name", ["name"], unique=False)
        batch_op.create_index("ix_areas_parent", ["parent"], unique=False)
        batch_op.create_index("ix_areas_type_code", ["type", "code"], unique=False)

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
        "enterprises",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("identifier_scheme", sa.String(length=20), nullable=True),
        sa.Column("identifier_id", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("legal_form", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("mission", sa.Text(), nullable=True),
        sa.Column("website", sa.String(length=2000), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("size", sa.String(length=10), nullable=True),
        sa.Column("trading_income_pct", sa.Float(), nullable=True),
        sa.Column("profit_reinvested_pct", sa.Float(), nullable=True),
        sa.Column("asset_lock", sa.Boolean(), nullable=True),
        sa.Column("independent", sa.Boolean(), nullable=True),
        sa.Column("publishes_social_report", sa.Boolean(), nullable=True),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("areas_served", sa.JSON(), nullable=False),
        sa.Column("accreditations", sa.JSON(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("services_text", sa.Text(), nullable=False),
        sa.Column("founded_on", sa.Date(), nullable=True),
        sa.Column("contact", sa.JSON(), nullable=True),
        sa.Column("address", sa.JSON(), nullable=True),
        sa.Column("annual_turnover", sa.BigInteger(), nullable=True),
        sa.Column("registered_by_client", sa.String(length=200), nullable=True),
        sa.Column("registered_by_org", sa.String(length=100), nullable=True),
        sa.Column("owner_client_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprises")),
        sa.UniqueConstraint(
            "identifier_scheme",
            "identifier_id",
            name=op.f("uq_enterprises_identifier_scheme_identifier_id"),
        ),
    )
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.create_index(
            "ix_enterprises_legal_form_name_id", ["legal_form", "name", "id"], unique=False
        )
        batch_op.create_index("ix_enterprises_name_id", ["name", "id"], unique=False)
        batch_op.create_index("ix_enterprises_owner_client_id", ["owner_client_id"], unique=False)
        batch_op.create_index(
            "ix_enterprises_registered_by_org", ["registered_by_org"], unique=False
        )
        batch_op.create_index("ix_enterprises_size_name_id", ["size", "name", "id"], unique=False)
        batch_op.create_index(
            "ix_enterprises_status_name_id", ["status", "name", "id"], unique=False
        )
        batch_op.create_index("ix_enterprises_updated_at_id", ["updated_at", "id"], unique=False)

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
        "enterprise_accreditations",
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("accreditation", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_enterprise_accreditations_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "enterprise_id", "accreditation", name=op.f("pk_enterprise_accreditations")
        ),
    )
    with op.batch_alter_table("enterprise_accreditations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_enterprise_accreditations_accreditation_enterprise_id",
            ["accreditation", "enterprise_id"],
            unique=False,
        )

    op.create_table(
        "enterprise_areas",
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=9), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_enterprise_areas_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("enterprise_id", "area_code", name=op.f("pk_enterprise_areas")),
    )
    with op.batch_alter_table("enterprise_areas", schema=None) as batch_op:
        batch_op.create_index(
            "ix_enterprise_areas_area_code_enterprise_id",
            ["area_code", "enterprise_id"],
            unique=False,
        )

    op.create_table(
        "enterprise_revisions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("patch", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_enterprise_revisions_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_revisions")),
    )
    with op.batch_alter_table("enterprise_revisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_enterprise_revisions_enterprise_id_id", ["enterprise_id", "id"], unique=False
        )

    op.create_table(
        "enterprise_themes",
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("theme", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_enterprise_themes_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("enterprise_id", "theme", name=op.f("pk_enterprise_themes")),
    )
    with op.batch_alter_table("enterprise_themes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_enterprise_themes_theme_enterprise_id", ["theme", "enterprise_id"], unique=False
        )

    op.create_table(
        "idempotency_keys",
        sa.Column("client", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("headers", sa.LargeBinary(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "client", "method", "path", "key", name=op.f("pk_idempotency_keys")
        ),
    )
    _create_search()


PG_SEARCH = (
    "ALTER TABLE enterprises ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(mission, '')), 'B') || "
    "setweight(to_tsvector('english', services_text), 'C')) STORED",
    "CREATE INDEX ix_enterprises_search_vector ON enterprises USING gin (search_vector)",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_enterprises_name_trgm ON enterprises USING gin (name gin_trgm_ops)",
)
SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE enterprises_fts USING fts5(name, mission, services, "
    "tokenize = 'porter unicode61')",
    "CREATE TRIGGER enterprises_fts_ai AFTER INSERT ON enterprises BEGIN "
    "INSERT INTO enterprises_fts(rowid, name, mission, services) "
    "VALUES (new.rowid, new.name, coalesce(new.mission, ''), new.services_text); END",
    "CREATE TRIGGER enterprises_fts_ad AFTER DELETE ON enterprises BEGIN "
    "DELETE FROM enterprises_fts WHERE rowid = old.rowid; END",
    "CREATE TRIGGER enterprises_fts_au AFTER UPDATE OF name, mission, services_text "
    "ON enterprises BEGIN "
    "UPDATE enterprises_fts SET name = new.name, mission = coalesce(new.mission, ''), "
    "services = new.services_text WHERE rowid = new.rowid; END",
)


def _create_search() -> None:
    dialect = op.get_bind().dialect.name
    for statement in PG_SEARCH if dialect == "postgresql" else SQLITE_SEARCH:
        op.execute(statement)


def _drop_search() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_enterprises_name_trgm")
        op.execute("DROP INDEX IF EXISTS ix_enterprises_search_vector")
        op.execute("ALTER TABLE enterprises DROP COLUMN IF EXISTS search_vector")
    else:
        for trigger in ("enterprises_fts_ai", "enterprises_fts_ad", "enterprises_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS enterprises_fts")


def downgrade() -> None:
    _drop_search()
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("enterprise_themes", schema=None) as batch_op:
        batch_op.drop_index("ix_enterprise_themes_theme_enterprise_id")

    op.drop_table("enterprise_themes")
    with op.batch_alter_table("enterprise_revisions", schema=None) as batch_op:
        batch_op.drop_index("ix_enterprise_revisions_enterprise_id_id")

    op.drop_table("enterprise_revisions")
    with op.batch_alter_table("enterprise_areas", schema=None) as batch_op:
        batch_op.drop_index("ix_enterprise_areas_area_code_enterprise_id")

    op.drop_table("enterprise_areas")
    with op.batch_alter_table("enterprise_accreditations", schema=None) as batch_op:
        batch_op.drop_index("ix_enterprise_accreditations_accreditation_enterprise_id")

    op.drop_table("enterprise_accreditations")
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
    op.drop_table("inbox_sequences")
    op.drop_table("inbox")
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.drop_index("ix_enterprises_updated_at_id")
        batch_op.drop_index("ix_enterprises_status_name_id")
        batch_op.drop_index("ix_enterprises_size_name_id")
        batch_op.drop_index("ix_enterprises_registered_by_org")
        batch_op.drop_index("ix_enterprises_owner_client_id")
        batch_op.drop_index("ix_enterprises_name_id")
        batch_op.drop_index("ix_enterprises_legal_form_name_id")

    op.drop_table("enterprises")
    op.drop_table("dead_letters")
    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.drop_index("ix_areas_type_code")
        batch_op.drop_index("ix_areas_parent")
        batch_op.drop_index("ix_areas_name")

    op.drop_table("areas")
    op.drop_table("area_loads")
