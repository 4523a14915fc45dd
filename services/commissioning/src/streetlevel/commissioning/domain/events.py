"""Events the commissioning service publishes (EVENTS.md): public ones never carry bid content."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)

from streetlevel.commissioning.domain.values import Money, OutcomeTarget, RateCardItem
from streetlevel.common.events import DomainEvent, TopicInfo

COMMISSION_TOPIC = "commissioning.commission.v1"
CONTRACT_TOPIC = "commissioning.contract.v1"
#: Private notices (EVENTS.md): each concerns the one principal the envelope's ``audience``
#: names; only the notifications service reads the topic.
PRIVATE_TOPIC = "commissioning.private.v1"
TOPICS = (
    TopicInfo(
        COMMISSION_TOPIC,
        key="the commission id (lot and question events are keyed by their commission)",
        description="Public tenders: published, amended, questions answered, cancelled, "
        "closed at the deadline, each lot awarded or unsuccessful, completed once every "
        "contract has ended. Never bid content.",
    ),
    TopicInfo(
        CONTRACT_TOPIC,
        key="the contract id",
        description="Contracts from award to completion, with their public payments per "
        "period (disclosure-controlled).",
    ),
    TopicInfo(
        PRIVATE_TOPIC,
        key="the commission id, or the contract id for contract notices",
        description="PRIVATE: notices for the one principal named by the envelope's audience "
        "(read by the notifications service only).",
    ),
)


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CommissionPublished(DomainEvent):
    event_type = "commissioning.commission.published.v1"
    topic = COMMISSION_TOPIC
    commission: dict[str, Any]


class CommissionAmended(DomainEvent):
    event_type = "commissioning.commission.amended.v1"
    topic = COMMISSION_TOPIC
    commission: dict[str, Any]
    changed_fields: list[str]


class CommissionCancelled(DomainEvent):
    event_type = "commissioning.commission.cancelled.v1"
    topic = COMMISSION_TOPIC
    commission_id: str
    reason: str


class QuestionAnswered(DomainEvent):
    """A tender question and its answer, public to every bidder; the asker stays anonymous."""

    event_type = "commissioning.question.answered.v1"
    topic = COMMISSION_TOPIC
    commission_id: str
    question_id: str
    question: str
    answer: str
    asked_at: str
    answered_at: str


class CommissionCompleted(DomainEvent):
    """Every contract of an awarded commission has ended (completed or terminated)."""

    event_type = "commissioning.commission.completed.v1"
    topic = COMMISSION_TOPIC
    commission_id: str
    status: str


class LotBidCount(_Part):
    lot_id: str
    bids: int


class CommissionClosed(DomainEvent):
    event_type = "commissioning.commission.closed.v1"
    topic = COMMISSION_TOPIC
    commission_id: str
    lots: list[LotBidCount]


class Supplier(_Part):
    enterprise_id: str
    name: str


class LotAwarded(DomainEvent):
    event_type = "commissioning.lot.awarded.v1"
    topic = COMMISSION_TOPIC
    commission_id: str
    lot_id: str
    contract_id: str
    supplier: Supplier
    price: Money


class LotUnsuccessful(DomainEvent):
    event_type = "commissioning.lot.unsuccessful.v1"
    topic = COMMISSION_TOPIC
    commission_id: str
    lot_id: str
    reason: str


class Buyer(_Part):
    id: str
    name: str


class ContractLot(_Part):
    id: str
    title: str
    areas: list[str]
    outcomes: list[OutcomeTarget]


class Period(_Part):
    start: str
    end: str


class MemberShare(_Part):
    """A consortium member (a subcontractor of the lead) and its shares, in per cent."""

    enterprise_id: str
    name: str
    work_share_pct: Decimal
    value_share_pct: Decimal


class ConsortiumTerms(_Part):
    """A consortium contract's shares: the lead is the supplier, paid; members subcontract."""

    lead_work_share_pct: Decimal
    lead_value_share_pct: Decimal
    members: list[MemberShare]


class ContractCreated(DomainEvent):
    event_type = "commissioning.contract.created.v1"
    topic = CONTRACT_TOPIC
    contract_id: str
    commission_id: str
    ocid: str
    buyer: Buyer
    supplier: Supplier
    lot: ContractLot
    rate_card: list[RateCardItem]
    period: Period
    value: Money
    payment_model: str
    verification_days: int = Field(
        default=10, description="Working days the buyer has to verify an outcome report."
    )
    status: str
    #: Added for consortium bids (optional: absent or null for a contract with one supplier).
    consortium: ConsortiumTerms | None = None


class ContractActivated(DomainEvent):
    event_type = "commissioning.contract.activated.v1"
    topic = CONTRACT_TOPIC
    contract_id: str
    status: str


class ContractTerminated(DomainEvent):
    event_type = "commissioning.contract.terminated.v1"
    topic = CONTRACT_TOPIC
    contract_id: str
    status: str
    reason: str


class ContractCompleted(DomainEvent):
    event_type = "commissioning.contract.completed.v1"
    topic = CONTRACT_TOPIC
    contract_id: str
    status: str


class PeriodTotal(_Part):
    """A period's public payments: sensitive parts controlled (see domain/public_ledger.py)."""

    period: Period
    amount: Money = Field(
        description="Exact payments for non-sensitive indicators plus, per sensitive indicator,"
        " its units after disclosure control × the rate-card price (only the non-sensitive"
        " part when suppressed)."
    )
    suppressed: bool = Field(
        default=False,
        description="A sensitive part was withheld (1–4 people, or a figure protecting one).",
    )
    rounded: bool = Field(
        default=False,
        description="The amount includes sensitive units rounded to the nearest 5.",
    )


class ContractPaymentsUpdated(DomainEvent):
    event_type = "commissioning.contract.payments_updated.v1"
    topic = CONTRACT_TOPIC
    contract_id: str
    periods: list[PeriodTotal]
    total: Money = Field(description="The sum of the published period amounts.")
    suppressed: bool = Field(
        default=False, description="A period is suppressed: the total leaves its part out."
    )


ALL_EVENTS: tuple[type[DomainEvent], ...] = (
    CommissionPublished,
    CommissionAmended,
    CommissionCancelled,
    CommissionClosed,
    CommissionCompleted,
    QuestionAnswered,
    LotAwarded,
    LotUnsuccessful,
    ContractCreated,
    ContractActivated,
    ContractTerminated,
    ContractCompleted,
    ContractPaymentsUpdated,
)


class NoticePublished(DomainEvent):
    """A Procurement Act notice (UK2 to UK12) the council published; public by law."""

    event_type = "commissioning.notice.published.v1"
    topic = COMMISSION_TOPIC
    notice_id: str
    notice_type: str
    commission_id: str
    contract_id: str | None = None
    published_at: datetime
    fields: dict[str, Any]


class PrivateEvent(DomainEvent):
    topic = PRIVATE_TOPIC
    visibility = "internal"


class DeadlinePassed(PrivateEvent):
    """To the buyer council: its tender closed; how many bids each lot received (no content)."""

    event_type = "commissioning.commission.deadline_passed.v1"
    commission_id: str
    lots: list[LotBidCount]


class BidOutcome(PrivateEvent):
    """To one bidder: its own bid's outcome, scores and feedback (never another bidder's)."""

    event_type = "commissioning.bid.outcome_decided.v1"
    commission_id: str
    lot_id: str
    bid_id: str
    outcome: Literal["awarded", "unsuccessful"]
    quality_score: str | None = None
    social_value_score: str | None = None
    feedback: str | None = None
    disqualified_reason: str | None = None


class ContractActivation(PrivateEvent):
    """To the supplier: its contract is active; work (and reporting) may start."""

    event_type = "commissioning.contract.activation_confirmed.v1"
    contract_id: str
    commission_id: str


class PaymentRecorded(PrivateEvent):
    """To the supplier: the newest line of its contract's exact payment ledger."""

    event_type = "commissioning.contract.payment_recorded.v1"
    contract_id: str
    line_no: int
    kind: Literal["payment", "reversal"]
    observation_id: str
    indicator_code: str
    period: Period
    #: Exact pounds as decimal strings (a reversal is negative): the supplier's own ledger.
    amount: str
    running_total: str


class QuestionAsked(PrivateEvent):
    """To the buyer council: a bidder asked a question (who asked is not said)."""

    event_type = "commissioning.question.asked.v1"
    commission_id: str
    question_id: str
    question: str
    asked_at: str


class QuestionAnswerReceived(PrivateEvent):
    """To the enterprise that asked: its question has been answered (and published)."""

    event_type = "commissioning.question.answer_received.v1"
    commission_id: str
    question_id: str
    answer: str
    answered_at: str


class BidsReceived(PrivateEvent):
    """To the buyer council: how many live bids each lot holds now (counts only, never who)."""

    event_type = "commissioning.commission.bids_received.v1"
    commission_id: str
    lots: list[LotBidCount]


class EligibleCommission(PrivateEvent):
    """To an enterprise: a commission just published (or amended) that it may bid for."""

    event_type = "commissioning.commission.eligible.v1"
    commission_id: str
    title: str
    lot_ids: list[str]
    tender_end: str


class EligibilityLost(PrivateEvent):
    """To an enterprise: an amendment left it eligible for no lot of a commission."""

    event_type = "commissioning.commission.eligibility_lost.v1"
    commission_id: str
    title: str
