"""Commissioning settings: env prefix COMMISSIONING_, fail fast at start-up."""

from __future__ import annotations

import os
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import SettingsConfigDict

from streetlevel.commissioning.domain.procurement.procedures import MinimumPeriods
from streetlevel.common.settings import AreaFilesSettings


class SocialValuePolicy(BaseModel):
    """A council's minimum social value weight; it may exempt below-threshold commissions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_weight: Decimal = Field(default=Decimal(10), ge=0, le=100)
    exempt_below_threshold: bool = False


#: Settings that could shorten the statutory standstill (s.51: 8 working days above threshold,
#: counted on the UK-wide calendar): no longer read, so a deployment that still sets one is
#: refused at start-up rather than silently running a standstill it did not ask for.
PREFIX = "COMMISSIONING_"
RETIRED = {
    "standstill_days": "the standstill is 8 working days by law (s.51), not a setting",
    "standstill_uk_wide": "working days always skip every UK nation's bank holidays (s.123)",
}


class CommissioningSettings(AreaFilesSettings):
    """What the commissioning service needs on top of the common settings."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", frozen=True)

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
    scheduler_interval_s: float = Field(default=2.0, gt=0, le=3600)
    scheduler_enabled: bool = True
    migrate_on_start: bool = Field(default=False, description="run Alembic at start (embedded)")
    ocid_prefix: str = "ocds-stlvl0"

    @model_validator(mode="before")
    @classmethod
    def _refuse_retired(cls, data: object) -> object:
        given = set(data) if isinstance(data, dict) else set()
        given |= {k[len(PREFIX) :].lower() for k in os.environ if k.startswith(PREFIX)}
        refused = sorted(given & RETIRED.keys())
        if refused:
            name = refused[0]
            raise ValueError(f"{PREFIX}{name.upper()} is no longer a setting: {RETIRED[name]}")
        return data

    def minimum_periods(self) -> MinimumPeriods:
        """The s.54 minimum periods this deployment applies."""
        return MinimumPeriods(
            open_tendering=self.open_tendering_days,
            cfp_participation=self.cfp_participation_days,
            cfp_tendering=self.cfp_tendering_days,
            reduced_tendering=self.reduced_tendering_days,
            below_threshold_tendering=self.below_threshold_tendering_days,
        )
