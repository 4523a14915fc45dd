"""When a contract change needs a UK10 notice (s.75) and when a UK11 is due (s.80)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from streetlevel.commissioning.domain.procurement.thresholds import Routing
from streetlevel.commissioning.domain.values import Money

#: s.80: the contract termination notice within 30 days of the contract ending (read as the
#: conservative "30 days beginning with the day it ends").
TERMINATION_NOTICE_DAYS = 30
_TERM_LIMIT = Decimal(10)


@dataclass(frozen=True)
class ChangeDecision:
    """Whether a modification needs a contract change notice first, and why."""

    notice_required: bool
    reason: str


def _pct(before: Decimal, after: Decimal) -> Decimal:
    if before == 0:
        return Decimal(0) if after == 0 else Decimal(100)
    return abs(after - before) * 100 / before


def contract_change(
    routing: Routing,
    *,
    value_before: Money,
    value_after: Money,
    term_months_before: int,
    term_months_after: int,
) -> ChangeDecision:
    """Whether a modification needs a UK10 contract change notice first (s.75)."""
    # A public or convertible contract needs one for a change beyond 10 % of value (15 % for
    # works) or of the maximum term; light touch contracts are exempt (s.75(6)(b)).
    if routing.outside_act:
        return ChangeDecision(False, "Not a contract under the Act: no change notice.")
    convertible = not routing.covered and value_after.amount >= routing.threshold.amount
    if not routing.covered and not convertible:
        return ChangeDecision(False, "A below-threshold contract that stays below: no UK10.")
    if routing.kind == "light_touch":
        return ChangeDecision(False, "Light touch contracts need no change notice (s.75(6)(b)).")
    limit = Decimal(15) if routing.kind == "works" else Decimal(10)
    value_change = _pct(value_before.amount, value_after.amount)
    term_change = _pct(Decimal(term_months_before), Decimal(term_months_after))
    # Both changes must stay within their limits: the safe reading of s.75(2)(a) and (b).
    if value_change <= limit and term_change <= _TERM_LIMIT and not convertible:
        return ChangeDecision(
            False,
            f"Value changes by {value_change:.2f}% (limit {limit}%) and term by "
            f"{term_change:.2f}% (limit 10%): no UK10 needed (s.75(2)); earlier changes that "
            "could have been made together count together (s.75(4)-(5)).",
        )
    why = (
        "it becomes a convertible contract (s.74(1))"
        if convertible
        else (f"value changes by {value_change:.2f}% and term by {term_change:.2f}%")
    )
    return ChangeDecision(True, f"Publish a UK10 before modifying: {why} (s.75(1)).")


def termination_notice_due(routing: Routing, *, ended_on: date) -> date | None:
    """Last day for the UK11 after a public contract ends; None where none is required."""
    if not routing.covered:
        return None
    return ended_on + timedelta(days=TERMINATION_NOTICE_DAYS - 1)
