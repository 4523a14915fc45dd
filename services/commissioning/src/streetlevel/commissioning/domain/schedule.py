"""Payment models that compute: the fixed part's instalments and the outcomes part's cap.

* ``fixed``: the whole contract value is paid on the schedule; nothing by outcomes.
* ``blended``: ``outcomes_share_pct`` of the value is paid by the rate card (capped there),
  the rest on the schedule.
* ``outcomes``: the whole value is the cap of the rate-card payments; no schedule.

The schedule is written as shares of the fixed part because the fixed amount is only known at
award (the winning bid's price); the amounts computed here sum exactly to it (the last
instalment takes what rounding leaves).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from streetlevel.commissioning.domain.values import Instalment, pennies

#: The Act's ceiling on payment terms (Procurement Act 2023, ss.68 and 88).
MAX_TERMS_DAYS = 30
UPFRONT = (Instalment(offset_days=0, share_pct=Decimal(100)),)


@dataclass(frozen=True)
class ScheduledInstalment:
    """One instalment of a contract's fixed part: its number, date and amount."""

    number: int
    on: date
    amount: Decimal


def outcomes_share(model: str, pct: Decimal | None) -> Decimal:
    """The fraction (0..1) of the contract value paid by outcomes."""
    if model == "outcomes":
        return Decimal(1)
    if model == "blended":
        return (pct or Decimal(0)) / 100
    return Decimal(0)


def split(value: Decimal, model: str, pct: Decimal | None) -> tuple[Decimal, Decimal]:
    """(fixed part, outcomes cap) of a contract value; the two sum to the value exactly."""
    cap = pennies(value * outcomes_share(model, pct))
    return value - cap, cap


def instalment_amounts(fixed: Decimal, shares: Sequence[Decimal]) -> list[Decimal]:
    """Each share of ``fixed`` in pennies, never negative, summing to ``fixed`` exactly.

    Rounded cumulatively: instalment k is the rounded total to k less the rounded total to
    k - 1, so rounding never piles up (nor makes a late instalment negative).
    """
    amounts, done, cumulative = [], Decimal(0), Decimal(0)
    for k, share in enumerate(shares):
        cumulative += share
        upto = fixed if k == len(shares) - 1 else pennies(fixed * cumulative / 100)
        amounts.append(upto - done)
        done = upto
    return amounts


def schedule(
    start: date, fixed: Decimal, instalments: Sequence[Instalment]
) -> list[ScheduledInstalment]:
    """The fixed part's instalments by date (one upfront instalment when none are given)."""
    if fixed <= 0:
        return []
    plan = sorted(instalments or UPFRONT, key=lambda i: i.offset_days)
    amounts = instalment_amounts(fixed, [i.share_pct for i in plan])
    return [
        ScheduledInstalment(number=n, on=start + timedelta(days=i.offset_days), amount=a)
        for n, (i, a) in enumerate(zip(plan, amounts, strict=True), start=1)
    ]


def due_date(received: date, terms_days: int) -> date:
    """An invoice received on ``received`` is due this many days later, never more than 30."""
    return received + timedelta(days=min(max(terms_days, 0), MAX_TERMS_DAYS))
