"""Events of the ward micro-grant track (docs/grants.md): public, never an applicant's contact."""

from __future__ import annotations

from typing import Any

from streetlevel.commissioning.domain.events import COMMISSION_TOPIC
from streetlevel.commissioning.domain.values import Money
from streetlevel.common.events import DomainEvent


# Outside procurement, on the public commission topic so that they reach the change feed
# with the tenders.
class GrantProgrammeOpened(DomainEvent):
    """A council opened a ward grant programme: area, budget, criteria and maximum grant."""

    event_type = "commissioning.grant.programme_opened.v1"
    topic = COMMISSION_TOPIC
    programme: dict[str, Any]


class GrantProgrammeClosed(DomainEvent):
    """A grant programme stopped taking applications."""

    event_type = "commissioning.grant.programme_closed.v1"
    topic = COMMISSION_TOPIC
    programme_id: str
    committed: Money


class GrantDecisionPublished(DomainEvent):
    """A round of applications decided by a named panel or a residents' vote, with its counts."""

    event_type = "commissioning.grant.decision_published.v1"
    topic = COMMISSION_TOPIC
    decision: dict[str, Any]


class GrantAwarded(DomainEvent):
    """A grant agreement: recipient organisation, amount and instalment schedule."""

    event_type = "commissioning.grant.awarded.v1"
    topic = COMMISSION_TOPIC
    grant: dict[str, Any]


class GrantPaid(DomainEvent):
    """One instalment of a grant was paid (the council's own payment reference stays out)."""

    event_type = "commissioning.grant.paid.v1"
    topic = COMMISSION_TOPIC
    grant_id: str
    programme_id: str
    instalment: int
    amount: Money
    paid_on: str
    paid_total: Money


class GrantReported(DomainEvent):
    """The recipient's light-touch end report: what happened, people reached, figures."""

    event_type = "commissioning.grant.reported.v1"
    topic = COMMISSION_TOPIC
    grant_id: str
    programme_id: str
    report: dict[str, Any]
