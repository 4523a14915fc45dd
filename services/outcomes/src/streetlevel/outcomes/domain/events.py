"""Events of the outcomes service: indicators and plans public, observations internal."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from streetlevel.common.events import DomainEvent, TopicInfo
from streetlevel.outcomes.domain.values import IndicatorData, Period, Target

INDICATOR_TOPIC = "outcomes.indicator.v1"
PLAN_TOPIC = "outcomes.plan.v1"
OBSERVATION_TOPIC = "outcomes.observation.v1"
TOPICS = (
    TopicInfo(
        INDICATOR_TOPIC,
        key="the indicator code",
        description="The outcome indicator catalogue: each event carries the indicator.",
    ),
    TopicInfo(
        PLAN_TOPIC,
        key="the plan id",
        description="Measurement plans: a contract's indicators and targets (no observations).",
    ),
    TopicInfo(
        OBSERVATION_TOPIC,
        key="the contract id (payment lines of one contract are applied in order)",
        description="INTERNAL: exact observed figures between services, never public.",
    ),
    TopicInfo(
        "outcomes.private.v1",
        key="the contract id",
        description="PRIVATE: notices for the one principal named by the envelope's audience "
        "(read by the notifications service only).",
    ),
)


class IndicatorCreated(DomainEvent):
    event_type = "outcomes.indicator.created.v1"
    topic = INDICATOR_TOPIC
    indicator: IndicatorData
    owner: str


class IndicatorUpdated(DomainEvent):
    event_type = "outcomes.indicator.updated.v1"
    topic = INDICATOR_TOPIC
    indicator: IndicatorData
    owner: str


class PlanIndicatorTargets(BaseModel):
    """An indicator of a plan and its targets: public (no baselines, no observations)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str
    targets: list[Target]


class PlanCreated(DomainEvent):
    event_type = "outcomes.plan.created.v1"
    topic = PLAN_TOPIC
    plan_id: str
    contract_id: str
    indicators: list[PlanIndicatorTargets]


class PlanUpdated(DomainEvent):
    event_type = "outcomes.plan.updated.v1"
    topic = PLAN_TOPIC
    plan_id: str
    contract_id: str
    indicators: list[PlanIndicatorTargets]


class _ObservationEvent(DomainEvent):
    """Exact figures between services: internal topic only, keyed by contract."""

    topic = OBSERVATION_TOPIC
    visibility = "internal"
    observation_id: str
    plan_id: str
    contract_id: str
    indicator_code: str
    period: Period
    area: str
    value: Decimal
    status: str


class ObservationReported(_ObservationEvent):
    event_type = "outcomes.observation.reported.v1"
    supersedes: str | None = None


class ObservationSuperseded(_ObservationEvent):
    event_type = "outcomes.observation.superseded.v1"
    superseded_by: str
    was_verified: bool


class ObservationVerified(_ObservationEvent):
    event_type = "outcomes.observation.verified.v1"
    decision: Literal["verified"] = "verified"
    note: str | None = None


class ObservationRejected(_ObservationEvent):
    event_type = "outcomes.observation.rejected.v1"
    decision: Literal["rejected"] = "rejected"
    note: str | None = None


class ObservationVerificationWithdrawn(_ObservationEvent):
    event_type = "outcomes.observation.verification_withdrawn.v1"
    decision: Literal["withdrawn"] = "withdrawn"
    reason: str


class ObservationEscalated(_ObservationEvent):
    """The buyer left the report unanswered past its verification deadline."""

    event_type = "outcomes.observation.escalated.v1"
    verify_by: datetime


PRIVATE_TOPIC = "outcomes.private.v1"


class ObservationNotice(DomainEvent):
    """About one observation, for one principal (the envelope's ``audience``); no figures."""

    topic = PRIVATE_TOPIC
    visibility = "internal"
    observation_id: str
    plan_id: str
    contract_id: str
    indicator_code: str
    period: Period
    area: str


class ObservationAwaitingVerification(ObservationNotice):
    """To the buyer council: its supplier reported a result that it must now verify."""

    event_type = "outcomes.observation.awaiting_verification.v1"


class ObservationVerificationDecided(ObservationNotice):
    """To the supplier: the council verified or rejected its reported result."""

    event_type = "outcomes.observation.verification_decided.v1"
    decision: Literal["verified", "rejected"]
