"""Commissioning settings: env prefix COMMISSIONING_, fail fast at start-up."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from streetlevel.common.settings import AreaFilesSettings


class CommissioningSettings(AreaFilesSettings):
    """What the commissioning service needs on top of the common settings."""

    model_config = SettingsConfigDict(env_prefix="COMMISSIONING_", extra="ignore", frozen=True)

    service_name: str = "commissioning"
    database_url: str = "sqlite+aiosqlite:///./.streetlevel/commissioning.db"
    min_enquiry_days: int = Field(default=0, ge=0, le=365)
    min_tender_days: int = Field(default=0, ge=0, le=365)
    standstill_days: int = Field(default=10, ge=0, le=365)
    scheduler_interval_s: float = Field(default=2.0, gt=0, le=3600)
    scheduler_enabled: bool = True
    migrate_on_start: bool = Field(default=False, description="run Alembic at start (embedded)")
    ocid_prefix: str = "ocds-stlvl0"
