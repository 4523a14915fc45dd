"""Commissioning settings: env prefix COMMISSIONING_, fail fast at start-up."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import SettingsConfigDict

from streetlevel.commissioning.domain.procurement.procedures import MinimumPeriods
from streetlevel.common.settings import AreaFilesSettings


class SocialValuePolicy(BaseModel):
    """A council's minimum social value weight; it may exempt below-threshold commissions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_weight: Decimal = Field(default=Decimal(10), ge=0, le=100)
    exempt_below_threshold: bool = False


class CommissioningSettings(AreaFilesSettings):
    """What the commissioning service needs on top of the common settings."""

    model_config = SettingsConfigDict(env_prefix="COMMISSIONING_", extra="ignore", frozen=True)

    service_name: str = "commissioning"
    database_url: str = "sqlite+aiosqlite:///./.streetlevel/commissioning.db"
    min_enquiry_days: int = Field(default=0, ge=0, le=365)
    # Minimum tendering periods in calendar days (s.54; docs/procurement.md): a deployment may
    # lengthen them, never shorten them below the law, so each lower bound is the legal minimum.
    open_tendering_days: int = Field(default=25, ge=25, le=365)
    cfp_participation_days: int = Field(default=25, ge=25, le=365)
    cfp_tendering_days: int = Field(default=25, ge=25, le=365)
    reduced_tendering_days: int = Field(default=10, ge=10, le=365)
    # Part 6 sets no minimum, only a reasonable period: 10 days is platform policy, and a
    # deployment (a rehearsal on a compressed clock) may lower it.
    below_threshold_tendering_days: int = Field(default=10, ge=0, le=365)
    social_value_default: SocialValuePolicy = Field(
        default_factory=SocialValuePolicy, description="every council without its own policy"
    )
    social_value_policies: dict[str, SocialValuePolicy] = Field(
        default_factory=dict, description="JSON: council org id to its social value policy"
    )
    standstill_uk_wide: bool = Field(
        default=True, description="working days also skip Scottish and Northern Irish holidays"
    )
    scheduler_interval_s: float = Field(default=2.0, gt=0, le=3600)
    scheduler_enabled: bool = True
    migrate_on_start: bool = Field(default=False, description="run Alembic at start (embedded)")
    ocid_prefix: str = "ocds-stlvl0"

    def minimum_periods(self) -> MinimumPeriods:
        """The s.54 minimum periods this deployment applies."""
        return MinimumPeriods(
            open_tendering=self.open_tendering_days,
            cfp_participation=self.cfp_participation_days,
            cfp_tendering=self.cfp_tendering_days,
            reduced_tendering=self.reduced_tendering_days,
            below_threshold_tendering=self.below_threshold_tendering_days,
        )
