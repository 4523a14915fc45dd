"""Payables: every amount a council owes a supplier, as an invoice with a clock.

A payable is received (an instalment's date, an outcome's verification) and due at most 30
days later (Procurement Act 2023, ss.68 and 88; shorter when the contract's
``payment_terms_days`` says so). It is ``due`` until the buyer pays it (``paid``, with the
date and reference) or disputes it (``disputed``, with the reason; resolving it makes it
``due`` again, or ``late`` when its due date has passed). A ``due`` payable whose due date has
passed becomes ``late`` on the scheduler's next tick. A credit line (a reversed outcome
payment) is its own negative payable, never an edit; it is never late against the buyer.
A grant instalment (basis ``grant``) is a payable of a grant instead of a contract, owed by
the grant's council to its recipient, on the same clock (docs/grants.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from streetlevel.commissioning.domain import payable_events as ev
from streetlevel.commissioning.domain.errors import IllegalStatus
from streetlevel.common.errors import ValidationProblem
from streetlevel.common.events import Aggregate, DomainEvent, PendingEvent

PayableStatus = Literal["due", "disputed", "paid", "late"]


class Basis(StrEnum):
    """Why an amount is owed."""

    INSTALMENT = "instalment"  # an instalment of a fixed contract
    FIXED_SHARE = "fixed_share"  # an instalment of a blended contract's fixed share
    OUTCOME = "outcome"  # a verified outcome claim, priced by the rate card
    CREDIT = "credit"  # a reversed outcome payment (negative)
    GRANT = "grant"  # a grant instalment


@dataclass(eq=False)
class Payable(Aggregate):
    """One invoice-like amount owed on a contract or a grant (exactly one of the two)."""

    id: str = ""
    contract_id: str | None = None
    grant_id: str | None = None
    buyer_id: str = ""
    supplier_id: str = ""
    basis: Basis = Basis.INSTALMENT
    #: What it pays, unique per contract or grant: ``instalment:<n>``, ``outcome:<obs>``, ...
    source: str = ""
    description: str = ""
    amount: Decimal = Decimal(0)
    received_on: date = date.min
    due_on: date = date.min
    status: PayableStatus = "due"
    credits: str | None = None
    dispute_reason: str | None = None
    disputed_on: date | None = None
    resolution: str | None = None
    paid_on: date | None = None
    reference: str | None = None
    #: Set once its due date passed unpaid: it stays counted late even when paid afterwards.
    was_late: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def subject(self) -> str:
        return f"payable/{self.id}"

    @property
    def owner(self) -> str:
        """The contract or grant it belongs to (the key of its events)."""
        owner = self.contract_id or self.grant_id
        assert owner is not None
        return owner

    @property
    def days_to_pay(self) -> int | None:
        return None if self.paid_on is None else (self.paid_on - self.received_on).days

    def raise_(self) -> None:
        """Record its creation (to the supplier)."""
        self._record(
            ev.PayableRaised(**self._common(), description=self.description, credits=self.credits)
        )

    def pay(self, *, paid_on: date, reference: str, today: date, now: datetime) -> None:
        """The buyer paid it on ``paid_on`` (not in the future, not before receipt)."""
        if self.status not in ("due", "late"):
            raise IllegalStatus(
                f"A {self.status} payable cannot be paid"
                + (": resolve the dispute first." if self.status == "disputed" else ".")
            )
        if paid_on > today or paid_on < self.received_on:
            raise ValidationProblem(
                "The payment date must lie between the invoice's receipt and today.",
                [{"loc": ["body", "paid_on"], "msg": "outside receipt..today"}],
            )
        self.was_late = self.was_late or paid_on > self.due_on
        self.status = "paid"
        self.paid_on = paid_on
        self.reference = reference
        self.updated_at = now
        days = self.days_to_pay
        assert days is not None
        self._record(
            ev.PayablePaid(
                **self._common(), paid_on=paid_on.isoformat(), reference=reference, days_to_pay=days
            )
        )

    def dispute(self, *, reason: str, today: date, now: datetime) -> None:
        """The buyer disputes it, with a reason (the clock stops counting against it)."""
        if self.status not in ("due", "late") or self.basis == Basis.CREDIT:
            raise IllegalStatus(f"A {self.status} {self.basis} payable cannot be disputed.")
        self.status = "disputed"
        self.dispute_reason = reason
        self.disputed_on = today
        self.updated_at = now
        self._record(ev.PayableDisputed(**self._common(), reason=reason))

    def resolve(self, *, resolution: str, today: date, now: datetime) -> None:
        """The dispute is settled: due again under its original due date (late if passed)."""
        if self.status != "disputed":
            raise IllegalStatus(f"Only a disputed payable can be resolved, not {self.status}.")
        self.status = "late" if today > self.due_on else "due"
        self.was_late = self.was_late or self.status == "late"
        self.resolution = resolution
        self.updated_at = now
        self._record(ev.PayableDisputeResolved(**self._common(), resolution=resolution))

    def mark_late(self, *, today: date, now: datetime) -> bool:
        """Late once its due date has passed unpaid; False when nothing changed."""
        if self.status != "due" or today <= self.due_on or self.basis == Basis.CREDIT:
            return False
        self.status = "late"
        self.was_late = True
        self.updated_at = now
        self._record(ev.PayableLate(**self._common()))
        return True

    def _common(self) -> dict[str, object]:
        return {
            "payable_id": self.id,
            "contract_id": self.contract_id,
            "grant_id": self.grant_id,
            "basis": self.basis.value,
            "amount": str(self.amount),
            "received_on": self.received_on.isoformat(),
            "due_on": self.due_on.isoformat(),
            "status": self.status,
        }

    def _record(self, payload: DomainEvent) -> None:
        # Private to the supplier (recipient); keyed by the contract (grant) to keep order.
        self.version += 1
        self.pending_events.append(
            PendingEvent(
                payload=payload,
                subject=self.subject,
                key=self.owner,
                sequence=self.version,
                audience=f"enterprise:{self.supplier_id}",
            )
        )


def reversible(verified_on: date, today: date, window_days: int) -> bool:
    """An outcome payment may be reversed only within the contract's window after verification."""
    return (today - verified_on).days <= window_days


def net(payables: list[Payable]) -> Decimal:
    """What the contract owes in all, credits deducted."""
    return sum((p.amount for p in payables), Decimal(0))
