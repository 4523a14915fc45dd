"""Outcomes settings: env prefix ``OUTCOMES_``; area files default to the platform-wide ones."""

from __future__ import annotations

import os

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from streetlevel.common.settings import CommonSettings


class OutcomesSettings(CommonSettings):
    """What the outcomes service needs on top of the common settings."""

    model_config = SettingsConfigDict(env_prefix="OUTCOMES_", extra="ignore", frozen=True)

    service_name: str = "outcomes"
    database_url: str = "sqlite+aiosqlite:///./.streetlevel/outcomes.db"
    areas_file: str | None = Field(
        default_factory=lambda: os.environ.get("STREETLEVEL_AREAS_FILE") or None,
        description="the ONS LSOA→ward→LAD lookup CSV or a code,name,type,parent_code list",
    )
    counties_file: str | None = Field(
        default_factory=lambda: os.environ.get("STREETLEVEL_COUNTIES_FILE") or None,
        description="a LAD24CD,LAD24NM,county_code,county_name list",
    )
    seed_catalogue: bool = True
    migrate_on_start: bool = Field(
        default=False, description="apply Alembic migrations in the lifespan (embedded, tests)"
    )
