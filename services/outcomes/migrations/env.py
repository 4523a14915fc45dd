"""Alembic environment: URL from ``-x url=`` or $OUTCOMES_DATABASE_URL (see libs/common)."""

from streetlevel.common.migrations import run_env
from streetlevel.outcomes.adapters.orm import metadata

run_env(service="outcomes", metadata=metadata)
