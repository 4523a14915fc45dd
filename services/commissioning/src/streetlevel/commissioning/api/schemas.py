"""Request bodies (unknown fields refused) of the commissioning API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from streetlevel.commissioning.api.schemas_consortium import (
    ConsortiumBody,
    ConsortiumRead,
    ContractConsortiumRead,
)
from streetlevel.commissioning.domain.values import (
    CommissionSpec,
    ContractKind,
    DirectAward,
    Eligibility,
    Money,
    Procedure,
    Stage,
    Timeline,
)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CommissionCreate(CommissionSpec):
    """A new draft; ``buyer_name`` defaults to the council's org-id."""

    buyer_name: str | None = Field(default=None, max_length=300)


class ReasonBody(Body):
    reason: str = Field(min_length=1, max_length=2000)


class QuestionCreate(Body):
    text: str = Field(min_length=1, max_length=5000)


class AnswerBody(Body):
    answer: str = Field(min_length=1, max_length=10_000)


class Commitment(Body):
    indicator_code: str = Field(min_length=1, max_length=100)
    quantity: Decimal = Field(ge=0)


class BidCreate(Body):
    lot_id: str = Field(min_length=1, max_length=36)
    price: Money
    proposal: str = Field(min_length=1, max_length=50_000)
    social_value_commitments: list[Commitment] = Field(default_factory=list, max_length=50)
    consortium: ConsortiumBody | None = Field(default=None, description="a consortium bid")


class BidUpdate(Body):
    price: Money | None = None
    proposal: str | None = Field(default=None, min_length=1, max_length=50_000)
    social_value_commitments: list[Commitment] | None = Field(default=None, max_length=50)
    consortium: ConsortiumBody | None = Field(default=None, description="members confirm anew")


class ScoreBody(Body):
    quality: Decimal = Field(ge=0, le=100)
    social_value: Decimal = Field(ge=0, le=100)
    note: str | None = Field(default=None, max_length=5000)


class AwardBody(Body):
    bid_id: str | None = Field(default=None, max_length=36)
    reason: str | None = Field(
        default=None,
        max_length=5000,
        description="Why the award departs from the panel's moderated ranking (recorded).",
    )


# Responses: what the views in api/views.py and Commission.public_view() render.


class Read(BaseModel):
    """A response body (documentation only: the routes render their views directly)."""

    model_config = ConfigDict()


class CriterionRead(Read):
    name: Literal["price", "quality", "social_value"]
    weight: str = Field(description="a percentage (0–100) as a decimal string")


class OutcomeTargetRead(Read):
    indicator_code: str
    target: str = Field(description="a decimal string")


class RateCardItemRead(Read):
    indicator_code: str
    price_per_unit: Money
    max_units: str | None = Field(description="a decimal string; null: no cap")


class PaymentRead(Read):
    model: Literal["fixed", "outcomes", "blended"]
    rate_card: list[RateCardItemRead]
    outcomes_share_pct: str | None = Field(description="a percentage as a decimal string")


class CommitmentRead(Read):
    indicator_code: str
    quantity: str = Field(description="a decimal string")


class BuyerRead(Read):
    id: str = Field(description="the council's org-id, e.g. GB-LAE-BPL")
    name: str


class SupplierRead(Read):
    enterprise_id: str
    name: str | None


class LotAwardRead(Read):
    supplier: SupplierRead
    price: Money
    contract_id: str


class LotRead(Read):
    id: str
    title: str
    description: str
    areas: list[str]
    value: Money = Field(description="excluding VAT")
    vat_rate: Decimal
    vat: Money
    value_incl_vat: Money
    outcomes: list[OutcomeTargetRead]
    status: Literal["open", "awarded", "unsuccessful"]
    award: LotAwardRead | None = Field(default=None, description="once awarded")


class ProcurementRead(Read):
    """The commission's value routing under the Procurement Act 2023, with its reason."""

    procedure_kind: Literal["open", "competitive_flexible", "direct_award", "grant"]
    value_excl_vat: Money
    vat: Money
    value_incl_vat: Money
    started_on: date
    nation: Literal["england", "wales"] | None
    classification: Literal["above_threshold", "regulated_below_threshold", "not_regulated"] | None
    threshold: Money | None = Field(default=None, description="the threshold compared with")
    reason: str


class AmendmentRead(Read):
    date: datetime
    changed_fields: list[str]
    rationale: str | None


class CommissionRead(Read):
    id: str
    ocid: str
    buyer: BuyerRead
    title: str
    description: str
    need: str
    themes: list[str]
    procedure: Procedure
    stages: list[Stage]
    direct_award: DirectAward | None
    urgency: bool
    voluntary_standstill: bool
    contract_kind: ContractKind
    cpv_codes: list[str]
    value: Money
    timeline: Timeline
    eligibility: Eligibility
    award_criteria: list[CriterionRead]
    payment: PaymentRead
    lots: list[LotRead]
    procurement: ProcurementRead
    status: Literal["draft", "open", "evaluation", "awarded", "complete", "cancelled"]
    amendments: list[AmendmentRead]
    cancel_reason: str | None
    created_at: datetime | None
    updated_at: datetime | None
    published_at: datetime | None
    version: int


class CommissionPage(Read):
    items: list[CommissionRead]
    next_cursor: str | None


class QuestionRead(Read):
    id: str
    commission_id: str
    question: str
    answer: str | None
    asked_at: datetime
    answered_at: datetime | None
    asked_by_you: bool | None = Field(default=None, description="only on the asker's own")


class QuestionList(Read):
    """Every question of the commission (not paged)."""

    items: list[QuestionRead]


class BidScoresRead(Read):
    quality: str | None
    social_value: str | None
    note: str | None


class BidRead(Read):
    """A bid as the caller may see it: the bidder and (after the deadline) the buyer see it
    whole; everyone sees the winning bid's supplier and price once awarded."""

    id: str
    commission_id: str
    lot_id: str
    price: Money
    status: Literal["submitted", "withdrawn", "disqualified", "awarded"]
    enterprise_id: str | None = Field(default=None, description="bidder and buyer views")
    supplier: SupplierRead | None = Field(default=None, description="public view of a winner")
    proposal: str | None = None
    social_value_commitments: list[CommitmentRead] | None = None
    disqualified_reason: str | None = None
    submitted_at: datetime | None = None
    updated_at: datetime | None = None
    version: int | None = None
    scores: BidScoresRead | None = Field(default=None, description="the buyer's view")
    consortium: ConsortiumRead | None = Field(default=None, description="a consortium bid")


class BidList(Read):
    """The bids the caller may see (not paged)."""

    items: list[BidRead]


class RankedBidRead(Read):
    """A place in the ranking; a loser's figures are the buyer's alone (they reveal price)."""

    rank: int
    winner: bool
    bid_id: str | None = None
    enterprise_id: str | None = None
    price: Money | None = None
    price_score: str | None = None
    quality: str | None = None
    social_value: str | None = None
    total: str | None = None
    submitted_at: datetime | None = None


class RankingRead(Read):
    commission_id: str
    lot_id: str
    status: Literal["open", "awarded", "unsuccessful"] | None
    items: list[RankedBidRead]


class ContractLotRead(Read):
    id: str
    title: str
    areas: list[str]
    outcomes: list[OutcomeTargetRead]


class ContractPeriodRead(Read):
    start: datetime
    end: datetime


class ContractRead(Read):
    id: str
    commission_id: str
    ocid: str
    buyer: BuyerRead
    supplier: SupplierRead
    lot: ContractLotRead
    value: Money
    period: ContractPeriodRead
    payment_model: Literal["fixed", "outcomes", "blended"]
    rate_card: list[RateCardItemRead]
    status: Literal["pending", "active", "terminated", "complete"]
    status_reason: str | None
    activates_at: datetime | None = Field(
        description="set while an activated contract waits for its start: it becomes `active` "
        "then (never before `period.start`)"
    )
    standstill_end: datetime | None
    paid_total: Money
    paid_total_exact: bool = Field(description="false: the public sum of the period totals")
    consortium: ContractConsortiumRead | None = Field(default=None, description="members' shares")
    created_at: datetime | None
    updated_at: datetime | None
    version: int


class ContractPage(Read):
    items: list[ContractRead]
    next_cursor: str | None


class Period(Read):
    """A closed date range."""

    start: date
    end: date


class PeriodPaymentRead(Read):
    period: Period
    amount: Money
    suppressed: bool
    rounded: bool = False


class PaymentLineRead(Read):
    line_no: int
    kind: Literal["payment", "reversal"]
    observation_id: str
    indicator_code: str
    period: Period
    area: str | None
    units: str
    unit_price: Money
    amount: Money
    running_total: Money
    note: str | None
    reversed: bool


class PaymentsRead(Read):
    """Totals per period for everyone; ``lines`` for the buyer and the supplier only."""

    contract_id: str
    total: Money
    suppressed: bool
    periods: list[PeriodPaymentRead]
    lines: list[PaymentLineRead] | None = None


class PublisherRead(Read):
    name: str
    uri: str


class OcdsRelease(Read):
    """An OCDS 1.1.5 release (lots and metrics extensions); see the OCDS release schema."""

    model_config = ConfigDict(extra="allow")

    ocid: str
    id: str
    date: datetime
    tag: list[str]
    initiationType: Literal["tender"]
    language: str | None = None


class OcdsPackageMeta(Read):
    uri: str
    version: Literal["1.1"]
    extensions: list[str]
    publishedDate: datetime
    publisher: PublisherRead
    license: str
    publicationPolicy: str


class ReleasePackage(OcdsPackageMeta):
    """An OCDS release package; the next page is in the ``Link`` header (``rel="next"``)."""

    releases: list[OcdsRelease]


class OcdsRecord(Read):
    ocid: str
    releases: list[OcdsRelease]
    compiledRelease: OcdsRelease


class RecordPackage(OcdsPackageMeta):
    records: list[OcdsRecord]
