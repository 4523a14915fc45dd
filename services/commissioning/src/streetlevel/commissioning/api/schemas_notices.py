"""Request and response bodies of the notice routes (documentation; views render directly)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from streetlevel.commissioning.api.schemas import Body, OcdsRelease, Read
from streetlevel.commissioning.domain.procurement.modifications import Ground
from streetlevel.commissioning.domain.values import Money

NoticeCode = Literal["UK2", "UK3", "UK4", "UK5", "UK6", "UK7", "UK10", "UK11", "UK12"]
Status = Literal["queued", "submitted", "accepted", "rejected"]


class NoticeRead(Read):
    """A published Procurement Act notice and its OCDS release (UK profile)."""

    id: str
    notice_type: NoticeCode
    commission_id: str
    contract_id: str | None
    published_at: datetime
    release_id: str
    release: OcdsRelease


class NoticePage(Read):
    items: list[NoticeRead]
    next_cursor: str | None


class SubmissionRead(Read):
    """A notice in the council's Find a Tender submission queue."""

    id: str
    notice_type: NoticeCode
    commission_id: str
    contract_id: str | None
    published_at: datetime
    release_id: str
    status: Status
    reference: str | None = Field(description="Find a Tender's reference, once submitted")
    submitted_at: datetime | None
    decided_at: datetime | None
    reason: str | None = Field(description="Find a Tender's reason for a rejection")


class SubmissionPage(Read):
    items: list[SubmissionRead]
    next_cursor: str | None


class SubmittedBody(Body):
    """The council's account submitted the notice; Find a Tender gave this reference."""

    reference: str = Field(min_length=1, max_length=100)


class OutcomeBody(Body):
    """Find a Tender's decision: accepted, or rejected with its reason."""

    outcome: Literal["accepted", "rejected"]
    reason: str | None = Field(default=None, max_length=2000)


class ContractChangeBody(Body):
    """A modification of a live contract (the buyer); unchanged parts may be left out."""

    description: str = Field(min_length=1, max_length=5000)
    reason: str = Field(min_length=1, max_length=5000)
    value: Money | None = Field(default=None, description="The contract's value after the change")
    period_end: date | None = Field(default=None, description="The contract's new end date")
    ground: Ground | None = Field(
        default=None,
        description="The Schedule 8 ground, required for a change beyond s.75's limits",
    )


class TerminationBody(Body):
    """The contract's early end (or the account of one already ended) and its reason."""

    reason: str = Field(min_length=1, max_length=5000)


class ContractChangeRead(Read):
    """A recorded modification or termination, with the notice it published (if any)."""

    id: str
    contract_id: str
    kind: Literal["change", "termination"]
    recorded_at: datetime
    notice_id: str | None
    notice_type: Literal["UK10", "UK11"] | None
    basis: str = Field(description="Why the Act permits it and whether a notice was required")
    details: dict[str, Any]


class ContractChangeList(Read):
    items: list[ContractChangeRead]
