"""Alembic environment: URL from ``-x url=`` or $COMMISSIONING_DATABASE_URL (see libs/common)."""

from streetlevel.commissioning.adapters.orm import metadata
from streetlevel.common.migrations import run_env

run_env(service="commissioning", metadata=metadata)
