"""Alembic environment: URL from ``-x url=`` or $GATEWAY_DATABASE_URL (see libs/common)."""

from streetlevel.common.migrations import run_env
from streetlevel.gateway.adapters.orm import metadata

run_env(service="gateway", metadata=metadata)
