"""Value objects shared by indicators, plans and observations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Kind = Literal["output", "outcome"]
Unit = Literal["people", "hours", "gbp", "tonnes_co2e", "percent", "count"]
Direction = Literal["increase", "decrease"]
WHOLE_UNITS: frozenset[str] = frozenset({"people", "count"})


class Value(BaseModel):
    """A frozen value object that refuses unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Period(Value):
    """A closed date range."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError("period end is before its start")
        return self

    def within(self, outer: Period) -> bool:
        return outer.start <= self.start and self.end <= outer.end

    def ended_by(self, now: datetime) -> bool:
        """Whether the period's last day (``end``, inclusive, UTC) is over at ``now``."""
        return self.end < now.astimezone(UTC).date()


class Money(Value):
    """An exact amount of money: at most two decimal places."""

    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    currency: str = Field(default="GBP", pattern=r"^[A-Z]{3}$")


CODE_PATTERN = r"^[a-z][a-z0-9_.-]{1,63}$"


class ProxyValue(Value):
    """A monetary value per unit, always with its source."""

    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    currency: str = Field(default="GBP", pattern=r"^[A-Z]{3}$")
    source: str = Field(min_length=3, max_length=300)
    year: int = Field(ge=1990, le=2100)


class IndicatorData(Value):
    """The public description of an indicator (also the event payload)."""

    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=4000)
    kind: Kind
    unit: Unit
    direction: Direction = "increase"
    themes: list[str] = Field(default_factory=list, max_length=20)
    proxy_value: ProxyValue | None = None
    sensitive: bool = False


class Baseline(Value):
    """Where an indicator stood before the contract."""

    value: Decimal
    date: date


class Target(Value):
    """A target for one period and (optionally) one area; no area means the whole lot."""

    period: Period
    area: str | None = None
    value: Decimal = Field(ge=0)


class PlanIndicator(Value):
    """An indicator of a plan with its baseline and targets."""

    code: str = Field(pattern=CODE_PATTERN)
    baseline: Baseline | None = None
    targets: list[Target] = Field(default_factory=list, max_length=500)


def _percentage(default: str) -> Decimal:
    return Field(default=Decimal(default), ge=0, le=100)


class Assumptions(Value):
    """SROI assumptions, percentages 0–100 (API.md)."""

    deadweight: Decimal = _percentage("0")
    attribution: Decimal = _percentage("0")
    displacement: Decimal = _percentage("0")
    drop_off: Decimal = _percentage("0")
    discount_rate: Decimal = _percentage("3.5")
    duration_years: int = Field(default=1, ge=1, le=50)
