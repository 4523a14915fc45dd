"""Tolerant models of the events this service consumes (unknown fields are ignored)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

REGISTRY_TOPIC = "registry.enterprise.v1"
INDICATOR_TOPIC = "outcomes.indicator.v1"
OBSERVATION_TOPIC = "outcomes.observation.v1"


class Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class OrgIdentifier(Tolerant):
    scheme: str
    id: str


class EnterpriseRecord(Tolerant):
    """The registry's public enterprise record (API.md Registry section)."""

    id: str
    identifier: OrgIdentifier | None = None
    name: str
    legal_form: str | None = None
    status: str
    mission: str | None = None
    themes: list[str] = Field(default_factory=list)
    areas_served: list[str] = Field(default_factory=list)
    website: str | None = None
    size: str | None = None
    employees: int | None = None
    trading_income_pct: Decimal | None = None
    profit_reinvested_pct: Decimal | None = None
    asset_lock: bool | None = None
    independent: bool | None = None
    publishes_social_report: bool | None = None
    accreditations: list[Any] = Field(default_factory=list)
    address: dict[str, Any] | None = None


class EnterpriseEventData(Tolerant):
    """``registry.enterprise.*.v1`` data: the public record plus note/reason/changed_fields."""

    enterprise: EnterpriseRecord
    note: str | None = None
    reason: str | None = None
    changed_fields: list[str] = Field(default_factory=list)


class IndicatorRecord(Tolerant):
    code: str
    name: str = ""
    kind: str | None = None
    unit: str | None = None
    direction: str | None = None
    themes: list[str] = Field(default_factory=list)
    proxy_value: dict[str, Any] | None = None
    sensitive: bool = False


class IndicatorEventData(Tolerant):
    """``outcomes.indicator.created|updated.v1`` data."""

    indicator: IndicatorRecord


class ObservationPeriod(Tolerant):
    start: str
    end: str


class ObservationEventData(Tolerant):
    """``outcomes.observation.*.v1`` data (internal topic, keyed by contract id)."""

    observation_id: str
    plan_id: str | None = None
    contract_id: str
    indicator_code: str
    period: ObservationPeriod
    area: str | None = None
    value: Decimal
    status: str | None = None
    decision: str | None = None
    supersedes: str | None = None
    superseded_by: str | None = None
