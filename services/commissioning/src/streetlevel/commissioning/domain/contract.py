"""The Contract aggregate and its outcome payment ledger (payment by results)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from streetlevel.commissioning.domain import events as ev
from streetlevel.commissioning.domain.errors import IllegalStatus, PeriodNotEnded
from streetlevel.commissioning.domain.public_ledger import PublicPayments, public_payments
from streetlevel.commissioning.domain.schedule import ScheduledInstalment, schedule, split
from streetlevel.commissioning.domain.values import (
    Instalment,
    Money,
    OutcomeTarget,
    PaymentLine,
    RateCardItem,
    pennies,
)
from streetlevel.common.events import Aggregate

ContractStatus = Literal["pending", "active", "terminated", "complete"]


@dataclass(frozen=True)
class VerifiedObservation:
    """What the ledger needs from a verified observation."""

    observation_id: str
    indicator_code: str
    period_start: str
    period_end: str
    area: str | None
    value: Decimal


def period_ended(end: str, now: datetime) -> bool:
    """Whether a period whose last day is ``end`` (a date, inclusive, UTC) is over at ``now``."""
    return date.fromisoformat(end[:10]) < now.astimezone(UTC).date()


def period_close(end: str) -> datetime:
    """The instant a period whose last day is ``end`` ends: midnight UTC after it."""
    last = date.fromisoformat(end[:10])
    return datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)


def period_totals(lines: Sequence[PaymentLine]) -> list[ev.PeriodTotal]:
    """Exact net amounts per reporting period, oldest first (for the buyer and supplier)."""
    totals: dict[tuple[str, str], Decimal] = {}
    for line in lines:
        key = (line.period_start, line.period_end)
        totals[key] = totals.get(key, Decimal(0)) + line.amount
    return [
        ev.PeriodTotal(period=ev.Period(start=s, end=e), amount=Money(amount=max(a, Decimal(0))))
        for (s, e), a in sorted(totals.items())
    ]


@dataclass(eq=False)
class Contract(Aggregate):
    """An awarded lot's contract with its supplier."""

    id: str = ""
    commission_id: str = ""
    ocid: str = ""
    lot_id: str = ""
    lot_title: str = ""
    lot_areas: list[str] = field(default_factory=list)
    lot_outcomes: list[OutcomeTarget] = field(default_factory=list)
    bid_id: str = ""
    buyer_id: str = ""
    buyer_name: str = ""
    supplier_id: str = ""
    supplier_name: str = ""
    #: A consortium's shares: the supplier above is its lead, the members its subcontractors.
    consortium: ev.ConsortiumTerms | None = None
    value: Decimal = Decimal(0)
    paid_total: Decimal = Decimal(0)
    public_payments: PublicPayments = field(default_factory=PublicPayments)
    rate_card: list[RateCardItem] = field(default_factory=list)
    payment_model: str = "fixed"
    outcomes_share_pct: Decimal | None = None
    instalments: list[Instalment] = field(default_factory=list)
    payment_terms_days: int = 30
    reversal_window_days: int = 90
    verification_days: int = 10
    period_start: datetime | None = None
    period_end: datetime | None = None
    standstill_end: datetime | None = None
    status: ContractStatus = "pending"
    #: When a buyer activated before ``period_start``: the start, when the scheduler activates.
    activate_at: datetime | None = None
    reason: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def subject(self) -> str:
        return f"contract/{self.id}"

    @property
    def outcomes_cap(self) -> Decimal:
        """The most the rate card may ever pay: the value, or its outcomes share (blended)."""
        return split(self.value, self.payment_model, self.outcomes_share_pct)[1]

    def schedule(self) -> list[ScheduledInstalment]:
        """The fixed part's instalments, dated from the contract's start."""
        assert self.period_start
        fixed = split(self.value, self.payment_model, self.outcomes_share_pct)[0]
        return schedule(self.period_start.date(), fixed, self.instalments)

    def announce(self) -> None:
        """Record the creation event (what outcomes needs to build its plan)."""
        assert self.period_start
        assert self.period_end
        self.record(
            ev.ContractCreated(
                contract_id=self.id,
                commission_id=self.commission_id,
                ocid=self.ocid,
                buyer=ev.Buyer(id=self.buyer_id, name=self.buyer_name),
                supplier=ev.Supplier(enterprise_id=self.supplier_id, name=self.supplier_name),
                lot=ev.ContractLot(
                    id=self.lot_id,
                    title=self.lot_title,
                    areas=list(self.lot_areas),
                    outcomes=list(self.lot_outcomes),
                ),
                rate_card=list(self.rate_card),
                # Dates: outcomes plans its reporting periods in whole days.
                period=ev.Period(
                    start=self.period_start.date().isoformat(),
                    end=self.period_end.date().isoformat(),
                ),
                value=Money(amount=self.value),
                payment_model=self.payment_model,
                verification_days=self.verification_days,
                status=self.status,
                consortium=self.consortium,
            ),
            subject=self.subject,
        )

    def activate(self, *, now: datetime) -> bool:
        """Active from ``period_start``: before it, the contract stays pending until then.

        Returns whether it became active now (False: the scheduler activates it at the start).
        """
        if self.status != "pending":
            raise IllegalStatus(f"Only a pending contract can be activated, not {self.status}.")
        if self.standstill_end is not None and now < self.standstill_end:
            raise IllegalStatus(
                "The standstill period has not ended yet: the contract may be entered into "
                f"from {self.standstill_end.isoformat()}.",
                rule="standstill",
                section="Procurement Act 2023, s.51",
            )
        if self.period_start is not None and now < self.period_start:
            self.activate_at = self.period_start
            self.updated_at = now
            return False
        self.status = "active"
        self.activate_at = None
        self.updated_at = now
        self.record(
            ev.ContractActivated(contract_id=self.id, status="active"), subject=self.subject
        )
        return True

    def terminate(self, *, reason: str, now: datetime) -> None:
        if self.status not in ("pending", "active"):
            raise IllegalStatus(f"A {self.status} contract cannot be terminated.")
        self.status = "terminated"
        self.activate_at = None
        self.reason = reason
        self.updated_at = now
        self.record(
            ev.ContractTerminated(contract_id=self.id, status="terminated", reason=reason),
            subject=self.subject,
        )

    def complete(self, *, now: datetime) -> None:
        if self.status != "active":
            raise IllegalStatus(f"Only an active contract can complete, not {self.status}.")
        self.status = "complete"
        self.updated_at = now
        self.record(
            ev.ContractCompleted(contract_id=self.id, status="complete"), subject=self.subject
        )

    def price(
        self,
        obs: VerifiedObservation,
        lines: Sequence[PaymentLine],
        *,
        now: datetime | None = None,
    ) -> PaymentLine | None:
        """The payment line for a verified observation, or None when nothing is payable.

        With ``now``, a period that has not ended by then is refused: no payment is ever
        dated before the period it pays (outcomes refuses such reports in the first place).
        """
        if now is not None and not period_ended(obs.period_end, now):
            raise PeriodNotEnded(
                f"The period ending {obs.period_end} has not ended: nothing is paid for it yet."
            )
        if any(
            ln.kind == "payment" and not ln.reversed and ln.observation_id == obs.observation_id
            for ln in lines
        ):
            return None
        if self.payment_model == "fixed":
            return None  # a fixed contract pays on its schedule alone
        item = next((i for i in self.rate_card if i.indicator_code == obs.indicator_code), None)
        if item is None or obs.value <= 0:
            return None
        notes: list[str] = []
        units = obs.value
        if item.max_units is not None:
            paid_units = sum(
                (ln.units for ln in lines if ln.indicator_code == obs.indicator_code), Decimal(0)
            )
            room = item.max_units - paid_units
            if units > room:
                units = max(room, Decimal(0))
                notes.append(f"capped at max_units {item.max_units}")
        unit_price = item.price_per_unit.amount
        amount = pennies(units * unit_price)
        remaining = self.outcomes_cap - self.paid_total
        if amount > remaining:
            amount = max(remaining, Decimal(0))
            notes.append(
                "capped at the contract value"
                if self.payment_model == "outcomes"
                else "capped at the outcomes share"
            )
        if amount <= 0 and units <= 0:
            return None
        return self._append(
            lines,
            kind="payment",
            obs_id=obs.observation_id,
            code=obs.indicator_code,
            period=(obs.period_start, obs.period_end),
            area=obs.area,
            units=units,
            unit_price=unit_price,
            amount=amount,
            note="; ".join(notes) or None,
        )

    def reverse(
        self, observation_id: str, lines: Sequence[PaymentLine], *, reason: str
    ) -> PaymentLine | None:
        """A reversal of the observation's live payment line, if it has one."""
        paid = next(
            (
                ln
                for ln in lines
                if ln.kind == "payment" and not ln.reversed and ln.observation_id == observation_id
            ),
            None,
        )
        if paid is None:
            return None
        paid.reversed = True
        return self._append(
            lines,
            kind="reversal",
            obs_id=observation_id,
            code=paid.indicator_code,
            period=(paid.period_start, paid.period_end),
            area=paid.area,
            units=-paid.units,
            unit_price=paid.unit_price,
            amount=-paid.amount,
            note=reason,
        )

    def _append(
        self,
        lines: Sequence[PaymentLine],
        *,
        kind: Literal["payment", "reversal"],
        obs_id: str,
        code: str,
        period: tuple[str, str],
        area: str | None,
        units: Decimal,
        unit_price: Decimal,
        amount: Decimal,
        note: str | None,
    ) -> PaymentLine:
        self.paid_total += amount
        line = PaymentLine(
            line_no=len(lines) + 1,
            kind=kind,
            observation_id=obs_id,
            indicator_code=code,
            period_start=period[0],
            period_end=period[1],
            area=area,
            units=units,
            unit_price=unit_price,
            amount=amount,
            running_total=self.paid_total,
            note=note,
        )
        return line

    def publish_payments(self, lines: Sequence[PaymentLine], sensitive: Collection[str]) -> bool:
        """Take the ledger's new public snapshot; False when the public sees no change.

        The event is recorded only when a public figure changed: an event per hidden change
        would let anyone count verifications inside one rounded or suppressed figure.
        """
        public = public_payments(lines, sensitive)
        before = self.public_payments
        if public == before:
            return False
        self.public_payments = public
        if (public.periods, public.total, public.suppressed) != (
            before.periods,
            before.total,
            before.suppressed,
        ):
            self.record(
                ev.ContractPaymentsUpdated(
                    contract_id=self.id,
                    periods=public.periods,
                    total=public.total,
                    suppressed=public.suppressed,
                ),
                subject=self.subject,
            )
        return True
