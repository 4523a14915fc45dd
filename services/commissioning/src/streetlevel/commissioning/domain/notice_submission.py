"""A notice's way to Find a Tender: queued, submitted by the council's account, then decided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from streetlevel.common.errors import InvalidTransition, ValidationProblem

SubmissionStatus = Literal["queued", "submitted", "accepted", "rejected"]
#: A rejected notice is corrected on Find a Tender and submitted again under its new reference.
_NEXT: dict[str, frozenset[str]] = {
    "queued": frozenset({"submitted"}),
    "submitted": frozenset({"accepted", "rejected"}),
    "rejected": frozenset({"submitted"}),
    "accepted": frozenset(),
}


@dataclass
class NoticeSubmission:
    """One published notice in the council's submission queue."""

    notice_id: str
    notice_type: str
    commission_id: str
    contract_id: str | None
    buyer_id: str
    release_id: str
    published_at: datetime
    status: SubmissionStatus = "queued"
    reference: str | None = None
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    reason: str | None = None

    def _move(self, to: SubmissionStatus) -> None:
        if to not in _NEXT[self.status]:
            raise InvalidTransition(
                f"A {self.status} notice cannot become {to}.", status_now=self.status
            )
        self.status = to

    def submitted(self, *, reference: str, now: datetime) -> None:
        """The council's account submitted it to Find a Tender, which gave ``reference``."""
        if not reference.strip():
            raise ValidationProblem(
                "Find a Tender's reference is required.",
                [{"loc": ["body", "reference"], "msg": "empty", "type": "value_error"}],
            )
        self._move("submitted")
        self.reference = reference.strip()
        self.submitted_at = now
        self.decided_at = None
        self.reason = None

    def decided(self, *, accepted: bool, reason: str | None, now: datetime) -> None:
        """Find a Tender accepted it, or rejected it with a reason (required then)."""
        if not accepted and not (reason or "").strip():
            raise ValidationProblem(
                "A rejection needs Find a Tender's reason.",
                [{"loc": ["body", "reason"], "msg": "required on rejection", "type": "missing"}],
            )
        self._move("accepted" if accepted else "rejected")
        self.decided_at = now
        self.reason = (reason or "").strip() or None
