"""The public JSON columns as the export embeds them (PostgreSQL): normal services, one line each.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 09:00:00.000000

The NDJSON export has PostgreSQL write each line and copies the stored JSON text of these
columns into it. Two CHECKs make that exact for every writer, not only the repository: each
service holds exactly the keys the public view gives it (so the stored array is the public one),
and no value spans lines (a raw line break is JSON whitespace, but it would split an NDJSON
line). Existing rows are normalised first, as ``views._service`` would show them.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# An array of objects whose keys are exactly name, description, themes and areas.
SERVICES_NORMAL = """
CREATE FUNCTION registry_services_normal(value json) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT CASE WHEN pg_catalog.json_typeof(value) = 'array' THEN NOT EXISTS (
    SELECT FROM pg_catalog.json_array_elements(value) AS s(service)
    WHERE CASE WHEN pg_catalog.json_typeof(service) = 'object'
        THEN ARRAY(
            SELECT k COLLATE "C" FROM pg_catalog.json_object_keys(service) AS k ORDER BY 1
        ) IS DISTINCT FROM ARRAY['areas', 'description', 'name', 'themes']
        ELSE true END)
ELSE false END
$$
"""
# What views._service shows: description null and themes/areas [] when absent, nothing else.
# Through jsonb, so the result is on one line (json_agg separates elements with line breaks).
PUBLIC_SERVICES = """
CREATE FUNCTION registry_public_services(value json) RETURNS json
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
    'name', service -> 'name',
    'description', service -> 'description',
    'themes', coalesce(service -> 'themes', '[]'),
    'areas', coalesce(service -> 'areas', '[]')) ORDER BY n), '[]')::json
FROM pg_catalog.json_array_elements(value) WITH ORDINALITY AS s(service, n)
$$
"""
PUBLIC_JSON = ("themes", "areas_served", "accreditations", "services", "address")
ONE_LINE = "(" + " || ".join(f"coalesce({c}::text, '')" for c in PUBLIC_JSON) + ") !~ '[\\r\\n]'"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(SERVICES_NORMAL)
    op.execute(PUBLIC_SERVICES)
    op.execute(
        "UPDATE enterprises SET services = registry_public_services(services) "
        "WHERE NOT registry_services_normal(services)"
    )
    # jsonb writes the same values without insignificant whitespace, so on one line.
    assignments = ", ".join(f"{c} = {c}::jsonb::json" for c in PUBLIC_JSON)
    op.execute(f"UPDATE enterprises SET {assignments} WHERE NOT {ONE_LINE}")  # noqa: S608
    op.execute(
        "ALTER TABLE enterprises "
        "ADD CONSTRAINT ck_enterprises_services_normal "
        "CHECK (registry_services_normal(services)), "
        f"ADD CONSTRAINT ck_enterprises_public_json_one_line CHECK ({ONE_LINE})"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE enterprises "
        "DROP CONSTRAINT IF EXISTS ck_enterprises_public_json_one_line, "
        "DROP CONSTRAINT IF EXISTS ck_enterprises_services_normal"
    )
    op.execute("DROP FUNCTION IF EXISTS registry_public_services(json)")
    op.execute("DROP FUNCTION IF EXISTS registry_services_normal(json)")
