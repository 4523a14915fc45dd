"""Alembic environment: URL from ``-x url=`` or $REGISTRY_DATABASE_URL (see libs/common)."""

from streetlevel.common.migrations import run_env
from streetlevel.registry.adapters.orm import include_in_migrations, metadata

run_env(service="registry", metadata=metadata, include_object=include_in_migrations)
