"""Alembic environment: URL from ``-x url=`` or $NOTIFICATIONS_DATABASE_URL (see libs/common)."""

from streetlevel.common.migrations import run_env
from streetlevel.notifications.adapters.orm import metadata

run_env(service="notifications", metadata=metadata)
