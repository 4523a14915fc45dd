"""Outcomes settings: env prefix ``OUTCOMES_``; area files default to the platform-wide ones."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from streetlevel.common.settings import AreaFilesSettings


class OutcomesSettings(AreaFilesSettings):
    """What the outcomes service needs on top of the common settings."""

    model_config = SettingsConfigDict(env_prefix="OUTCOMES_", extra="ignore", frozen=True)

    service_name: str = "outcomes"
    database_url: str = "sqlite+aiosqlite:///./.streetlevel/outcomes.db"
    seed_catalogue: bool = True
    deadline_interval_s: float = Field(
        default=60.0, gt=0, le=3600, description="how often overdue reports are escalated"
    )
    deadline_scheduler_enabled: bool = True
    migrate_on_start: bool = Field(
        default=False, description="apply Alembic migrations in the lifespan (embedded, tests)"
    )
