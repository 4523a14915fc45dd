"""Value objects of a commission: money, lots, timeline, eligibility, criteria, payment."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_serializer, field_validator

from streetlevel.common.ids import new_id

PENNY = Decimal("0.01")
LegalForm = Literal[
    "cic_limited_by_guarantee",
    "cic_limited_by_shares",
    "charitable_incorporated_organisation",
    "charitable_company",
    "company_limited_by_guarantee",
    "company_limited_by_shares",
    "community_benefit_society",
    "cooperative_society",
    "unincorporated_association",
    "sole_trader",
    "partnership",
]
Size = Literal["micro", "small", "medium", "large"]
SIZE_ORDER: dict[str, int] = {"micro": 0, "small": 1, "medium": 2, "large": 3}
#: ``open``/``selective``/``micro_grant`` are the original names; ``selective`` is read as a
#: competitive flexible procedure and ``micro_grant`` as a grant (docs/procurement.md).
Procedure = Literal[
    "open", "micro_grant", "selective", "competitive_flexible", "direct_award", "grant"
]
ContractKind = Literal["goods", "services", "light_touch", "works"]
Stage = Literal["participation", "negotiation", "dialogue", "tender", "presentation"]
#: A Common Procurement Vocabulary code: eight digits, a hyphen and the check digit.
CpvCode = Annotated[str, Field(pattern=r"^[0-9]{8}-[0-9]$")]
PaymentModel = Literal["fixed", "outcomes", "blended"]
Percent = Annotated[Decimal, Field(ge=0, le=100)]


def pennies(value: Decimal) -> Decimal:
    """Round half-up to whole pennies (only ever for output or a priced amount)."""
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


class Strict(BaseModel):
    """Request-facing value objects refuse unknown fields (no mass assignment)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Money(Strict):
    amount: Decimal = Field(ge=0, le=Decimal("1000000000"))
    currency: Literal["GBP"] = "GBP"

    @field_validator("amount")
    @classmethod
    def _whole_pennies(cls, value: Decimal) -> Decimal:
        if value != value.quantize(PENNY):
            raise ValueError("money amounts have at most two decimal places")
        return value.quantize(PENNY)

    @field_serializer("amount")
    def _as_string(self, value: Decimal) -> str:
        return f"{value:.2f}"

    @classmethod
    def gbp(cls, amount: Decimal) -> Money:
        return cls(amount=pennies(amount))


class OutcomeTarget(Strict):
    indicator_code: str = Field(min_length=1, max_length=100)
    target: Decimal = Field(ge=0)

    @field_serializer("target")
    def _as_string(self, value: Decimal) -> str:
        return str(value)


class LotSpec(Strict):
    id: str = Field(default_factory=lambda: str(new_id()), min_length=1, max_length=36)
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=10_000)
    areas: list[str] = Field(min_length=1, max_length=200)
    value: Money = Field(description="The estimated value excluding VAT.")
    # Defaults by factory stay out of the OpenAPI schema, so typed clients may omit them.
    vat_rate: Percent = Field(
        default_factory=lambda: Decimal(20),
        description="VAT percent on the value, 20 unless given (0 for exempt services).",
    )
    outcomes: list[OutcomeTarget] = Field(default_factory=list, max_length=50)


class Timeline(Strict):
    enquiry_end: AwareDatetime
    tender_end: AwareDatetime
    award_by: AwareDatetime
    contract_start: AwareDatetime
    contract_end: AwareDatetime


class ConsortiumPolicy(Strict):
    """How the commission accepts bids by a lead enterprise with members (docs/consortium.md)."""

    allowed: bool = True
    max_members: int = Field(default=5, ge=1, le=20, description="members besides the lead")
    every_member_verified: bool = Field(
        default=True, description="each member verified on the register (the lead: verified_only)"
    )
    lead_serves_area: bool = Field(
        default=False, description="the lead itself serves every area of the lot"
    )


class Eligibility(Strict):
    legal_forms: list[LegalForm] | None = None
    max_size: Size | None = None
    verified_only: bool = True
    must_serve_area: bool = False
    social_enterprise_only: bool = False
    consortium: ConsortiumPolicy = Field(default_factory=ConsortiumPolicy)


class Criterion(Strict):
    name: Literal["price", "quality", "social_value"]
    weight: Percent


class RateCardItem(Strict):
    indicator_code: str = Field(min_length=1, max_length=100)
    price_per_unit: Money
    max_units: Decimal | None = Field(default=None, gt=0)

    @field_serializer("max_units")
    def _as_string(self, value: Decimal | None) -> str | None:
        return None if value is None else str(value)


class Instalment(Strict):
    """One scheduled payment of the fixed part: when (days after the start) and what share."""

    offset_days: int = Field(
        ge=0, le=3650, description="Days after the contract start; 0 is upfront, at the start."
    )
    share_pct: Decimal = Field(gt=0, le=100, description="Percent of the fixed part.")

    @field_serializer("share_pct")
    def _as_string(self, value: Decimal) -> str:
        return str(value)


class Payment(Strict):
    model: PaymentModel = "fixed"
    rate_card: list[RateCardItem] = Field(default_factory=list, max_length=50)
    outcomes_share_pct: Percent | None = None
    instalments: list[Instalment] = Field(
        default_factory=list,
        max_length=120,
        description="The fixed part's schedule (fixed and blended); shares sum to 100. "
        "None given: one instalment of 100% at the start.",
    )
    payment_terms_days: int = Field(
        default_factory=lambda: 30,
        ge=1,
        le=30,
        description="Days from an invoice's receipt to its due date: at most 30 "
        "(Procurement Act 2023, ss.68 and 88).",
    )
    reversal_window_days: int = Field(
        default_factory=lambda: 90,
        ge=0,
        le=730,
        description="Days after verification within which an outcome payment may be reversed.",
    )
    verification_days: int = Field(
        default_factory=lambda: 10,
        ge=1,
        le=60,
        description="Working days (England and Wales) the council has to verify a report.",
    )


class DirectAward(Strict):
    """Why a contract is awarded without competition (Schedule 5 or s.43), for the UK5 notice."""

    ground: str = Field(min_length=1, max_length=100)
    justification: str = Field(min_length=1, max_length=5_000)


class CommissionSpec(Strict):
    """Everything a buyer writes about a commission (the body of create and patch)."""

    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=20_000)
    need: str = Field(default="", max_length=20_000)
    themes: list[str] = Field(default_factory=list, max_length=20)
    procedure: Procedure = "open"
    stages: list[Stage] = Field(default_factory=list, max_length=5)
    direct_award: DirectAward | None = Field(default_factory=lambda: None)
    urgency: bool = Field(default_factory=lambda: False)
    #: Below threshold the Act imposes no standstill (s.51); a council may choose to hold one.
    voluntary_standstill: bool = Field(default_factory=lambda: False)
    contract_kind: ContractKind = Field(default_factory=lambda: "services")
    cpv_codes: list[CpvCode] = Field(default_factory=list, max_length=20)
    lots: list[LotSpec] = Field(min_length=1, max_length=50)
    value: Money
    timeline: Timeline
    eligibility: Eligibility = Field(default_factory=Eligibility)
    award_criteria: list[Criterion] = Field(min_length=1, max_length=3)
    payment: Payment = Field(default_factory=Payment)

    def lot(self, lot_id: str) -> LotSpec | None:
        return next((lot for lot in self.lots if lot.id == lot_id), None)

    def weight(self, name: str) -> Decimal:
        return sum((c.weight for c in self.award_criteria if c.name == name), Decimal(0))


@dataclass
class PaymentLine:
    """One ledger line: a priced verified observation, or the reversal of one."""

    line_no: int
    kind: Literal["payment", "reversal"]
    observation_id: str
    indicator_code: str
    period_start: str
    period_end: str
    area: str | None
    units: Decimal
    unit_price: Decimal
    amount: Decimal
    running_total: Decimal
    note: str | None = None
    reversed: bool = False
