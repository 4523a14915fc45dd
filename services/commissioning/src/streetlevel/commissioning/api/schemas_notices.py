"""Request and response bodies of the notice routes (documentation; views render directly)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from streetlevel.commissioning.api.schemas import Body, OcdsRelease, Read

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
