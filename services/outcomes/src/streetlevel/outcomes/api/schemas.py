"""Request and response schemas (XCreate / XRead / XUpdate); requests refuse unknown fields."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from streetlevel.outcomes.domain.values import (
    Assumptions,
    IndicatorData,
    Money,
    Period,
    PlanIndicator,
)

GSS = r"^[EW]\d{8}$"


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


# Responses: what the routes render (documentation; the routes build their bodies directly).


class Read(BaseModel):
    model_config = ConfigDict()


class BaselineRead(Read):
    value: str = Field(description="a decimal string")
    date: date


class TargetRead(Read):
    period: Period
    area: str | None
    value: str = Field(description="a decimal string")


class PlanIndicatorRead(Read):
    code: str
    baseline: BaselineRead | None = Field(default=None, description="buyer and supplier")
    targets: list[TargetRead]


class AssumptionsRead(Read):
    """SROI assumptions: percentages (0–100) as decimal strings."""

    deadweight: str
    attribution: str
    displacement: str
    drop_off: str
    discount_rate: str
    duration_years: int


class ProxyValueRead(Read):
    amount: str = Field(description="a decimal string")
    currency: str
    source: str
    year: int


class IndicatorPage(Read):
    items: list[IndicatorRead]
    next_cursor: str | None


class PlanRead(Read):
    """A measurement plan; the public sees indicators and targets only (no baselines)."""

    id: str
    contract_id: str
    indicators: list[PlanIndicatorRead]
    assumptions: AssumptionsRead | None = Field(default=None, description="buyer and supplier")
    version: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class PlanPage(Read):
    items: list[PlanRead]
    next_cursor: str | None


class ObservationRead(Read):
    id: str
    plan_id: str
    contract_id: str
    indicator_code: str
    period: Period
    area: str
    value: str = Field(description="exact decimal")
    evidence: str | None
    status: Literal["reported", "verified", "rejected", "superseded"]
    current: bool
    supersedes: str | None
    superseded_by: str | None
    reported_at: datetime | None
    decided_at: datetime | None
    decision_note: str | None
    verify_by: datetime | None = Field(
        default=None,
        description="The buyer's deadline to verify it: the contract's verification_days "
        "working days (England and Wales) after the report.",
    )
    escalated: bool = Field(
        default=False,
        description="Left unanswered past verify_by: counted against the council.",
    )
    escalated_at: datetime | None = None
    version: int


class ObservationPage(Read):
    items: list[ObservationRead]
    next_cursor: str | None


class Figure(Read):
    """A published figure: null and ``suppressed`` when disclosure control hides it."""

    value: str | None
    suppressed: bool


class PartyRead(Read):
    id: str
    name: str | None


class SupplierSummary(Read):
    enterprise_id: str
    name: str | None


class ContractSummary(Read):
    buyer: PartyRead
    supplier: SupplierSummary
    status: str


class ProgressLine(Read):
    indicator_code: str
    name: str
    unit: str
    sensitive: bool
    target: str | None
    verified: Figure
    reported_unverified: str | None = Field(description="null under disclosure control")
    percent_of_target: str | None
    on_track: bool | None


class ProgressReport(Read):
    contract_id: str
    plan_id: str
    as_of: date
    elapsed_pct: str
    disclosure_control: bool
    outputs: list[ProgressLine]
    outcomes: list[ProgressLine]
    contract: ContractSummary
    licence: str


class SocialValueLine(Read):
    indicator_code: str
    quantity: str
    proxy_value: ProxyValueRead | None
    monetised: bool
    yearly_impact: list[Money]
    present_value: Money


class SocialValueReport(Read):
    contract_id: str
    plan_id: str
    formula: str
    assumptions: AssumptionsRead
    contract_value: Money
    indicators: list[SocialValueLine]
    suppressed_indicators: list[str]
    total_present_value: Money
    sroi_ratio: str | None
    disclosure_control: bool
    contract: ContractSummary
    licence: str


class AreaRef(Read):
    code: str
    name: str | None
    type: str | None


class PeriodFigure(Figure):
    period: Period


class AreaFigures(Read):
    area: str
    name: str | None
    type: str | None
    reported_at_this_level: bool
    best_fit: bool = Field(description="ward totals from ONS best-fit LSOAs")
    periods: list[PeriodFigure]
    total: Figure


class AreaIndicator(Read):
    indicator_code: str
    name: str
    unit: str
    kind: str
    sensitive: bool
    areas: list[AreaFigures]


class AreaReport(Read):
    area: AreaRef
    note: str
    indicators: list[AreaIndicator]
    licence: str
    licence_url: str


class OutcomeExportRow(Read):
    """One published figure of the open outcomes dataset (one NDJSON line or CSV row)."""

    indicator_code: str
    area: str
    area_type: str | None
    reported_at_this_level: bool
    best_fit: bool
    period_start: date | None
    period_end: date | None
    contract_id: str | None
    value: str | None
    suppressed: bool
    licence: str
