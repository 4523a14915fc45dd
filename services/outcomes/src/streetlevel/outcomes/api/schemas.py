"""Request and response schemas (XCreate / XRead / XUpdate); requests refuse unknown fields."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from streetlevel.outcomes.domain.values import (
    Assumptions,
    IndicatorData,
    Period,
    PlanIndicator,
)

GSS = r"^[EW]\d{8}$"


class Request(BaseModel):
    # One schema for requests and responses: decimals documented as the strings they are sent as.
    model_config = ConfigDict(extra="forbid", json_schema_mode_override="serialization")


class IndicatorCreate(IndicatorData):
    """A new indicator (the same fields as the catalogue's)."""


class IndicatorRead(IndicatorData):
    owner: str
    created_at: datetime
    updated_at: datetime


class PlanUpdate(Request):
    """The editable part of a plan, after the merge patch is applied."""

    indicators: list[PlanIndicator] = Field(max_length=100)
    assumptions: Assumptions


class ObservationCreate(Request):
    plan_id: str = Field(max_length=36)
    indicator_code: str = Field(max_length=64)
    period: Period
    area: str = Field(pattern=GSS)
    value: Decimal = Field(ge=0, max_digits=18, decimal_places=6)
    evidence: str | None = Field(default=None, max_length=4000)


class VerificationCreate(Request):
    decision: Literal["verified", "rejected"]
    note: str | None = Field(default=None, max_length=2000)


class WithdrawalCreate(Request):
    reason: str = Field(min_length=1, max_length=2000)
