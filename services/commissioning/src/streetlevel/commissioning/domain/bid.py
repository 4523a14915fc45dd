"""Sealed bids and their evaluation: price scores, weighted totals, ranking."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from streetlevel.commissioning.domain.consortium import Consortium
from streetlevel.commissioning.domain.errors import IllegalStatus, TenderClosed
from streetlevel.commissioning.domain.values import CommissionSpec

BidStatus = Literal["submitted", "withdrawn", "disqualified"]
HUNDRED = Decimal(100)


def ensure_before(deadline: datetime, *, now: datetime, what: str = "tender") -> None:
    """Refuse with 409 deadline-passed at or after ``deadline`` (``now`` is the DB clock)."""
    if now >= deadline:
        raise TenderClosed(f"The {what} deadline has passed.")


@dataclass(eq=False)
class Bid:
    """One enterprise's sealed offer for one lot (alone, or as the lead of a consortium)."""

    id: str
    commission_id: str
    lot_id: str
    enterprise_id: str
    price: Decimal
    proposal: str
    commitments: list[dict[str, Any]]
    submitted_at: datetime
    updated_at: datetime
    status: BidStatus = "submitted"
    quality_score: Decimal | None = None
    social_value_score: Decimal | None = None
    score_note: str | None = None
    disqualified_reason: str | None = None
    consortium: Consortium | None = None
    version: int = 1
    changed: bool = field(default=False, repr=False)

    @property
    def is_live(self) -> bool:
        return self.status == "submitted"

    @property
    def parties(self) -> list[str]:
        """The lead (or sole bidder) and every member."""
        members = self.consortium.member_ids if self.consortium else []
        return [self.enterprise_id, *members]

    def binds(self, enterprise_id: str) -> bool:
        """Whether ``enterprise_id`` is bound to this live bid: its lead or a confirmed member."""
        if not self.is_live:
            return False
        if enterprise_id == self.enterprise_id:
            return True
        member = self.consortium.member(enterprise_id) if self.consortium else None
        return member is not None and member.confirmed

    def confirm_member(self, enterprise_id: str, *, now: datetime) -> bool:
        """Record a member's confirmation of its part; False when it had confirmed already."""
        if not self.is_live:
            raise IllegalStatus(f"A {self.status} bid cannot be confirmed.")
        member = self.consortium.member(enterprise_id) if self.consortium else None
        if self.consortium is None or member is None:
            raise IllegalStatus("Only a member of this consortium confirms its part.")
        if member.confirmed:
            return False
        self.consortium = self.consortium.confirm(enterprise_id, now)
        self._touch(now)
        return True

    def revise(
        self,
        *,
        price: Decimal | None,
        proposal: str | None,
        commitments: list[dict[str, Any]] | None,
        now: datetime,
        consortium: Consortium | None = None,
    ) -> None:
        """Change the offer; a new price or consortium needs every member to confirm again."""
        if not self.is_live:
            raise IllegalStatus(f"A {self.status} bid cannot be revised.")
        if consortium is not None:
            self.consortium = consortium
        if self.consortium is not None and (
            consortium is not None or (price is not None and price != self.price)
        ):
            # Members confirmed a share of this price with these partners, nothing else.
            self.consortium = self.consortium.unconfirm()
        if price is not None:
            self.price = price
        if proposal is not None:
            self.proposal = proposal
        if commitments is not None:
            self.commitments = commitments
        self._touch(now)

    def withdraw(self, *, now: datetime) -> None:
        if not self.is_live:
            raise IllegalStatus(f"A {self.status} bid cannot be withdrawn.")
        self.status = "withdrawn"
        self._touch(now)

    def disqualify(self, *, reason: str, now: datetime) -> None:
        if self.is_live:
            self.status = "disqualified"
            self.disqualified_reason = reason
            self._touch(now)

    def score(
        self, *, quality: Decimal, social_value: Decimal, note: str | None, now: datetime
    ) -> None:
        if not self.is_live:
            raise IllegalStatus(f"A {self.status} bid cannot be scored.")
        self.quality_score = quality
        self.social_value_score = social_value
        self.score_note = note
        self._touch(now)

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1
        self.changed = True


@dataclass(frozen=True)
class Ranked:
    """A live bid's place in its lot."""

    rank: int
    bid: Bid
    price_score: Decimal
    total: Decimal | None


def price_scores(bids: Sequence[Bid]) -> dict[str, Decimal]:
    """Lowest price / bid price × 100 for each live bid (a zero price scores 100)."""
    live = [b for b in bids if b.is_live]
    if not live:
        return {}
    lowest = min(b.price for b in live)
    return {b.id: HUNDRED if b.price == 0 else (lowest / b.price * HUNDRED) for b in live}


def total_score(spec: CommissionSpec, bid: Bid, price_score: Decimal) -> Decimal | None:
    """Σ weight × score / 100; None while a weighted criterion is unscored."""
    scores = {
        "price": price_score,
        "quality": bid.quality_score,
        "social_value": bid.social_value_score,
    }
    total = Decimal(0)
    for criterion in spec.award_criteria:
        score = scores[criterion.name]
        if score is None:
            return None
        total += criterion.weight * score / HUNDRED
    return total


def rank(spec: CommissionSpec, bids: Sequence[Bid]) -> list[Ranked]:
    """Live bids best first; ties go to the earliest submission, then the lower id."""
    scores = price_scores(bids)
    rows = [(b, scores[b.id], total_score(spec, b, scores[b.id])) for b in bids if b.is_live]
    rows.sort(
        key=lambda r: (
            r[2] is None,
            -(r[2] if r[2] is not None else Decimal(0)),
            r[0].submitted_at,
            r[0].id,
        )
    )
    return [Ranked(i + 1, b, p, t) for i, (b, p, t) in enumerate(rows)]
