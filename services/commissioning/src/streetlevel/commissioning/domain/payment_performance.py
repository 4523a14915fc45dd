"""A council's payment performance per half-year: the payments compliance (UK8) figures.

The periods are the Act's reporting periods (s.69(3)): April to September and October to
March.

Counted over the council's payables, credits left out (they are owed to the council):

* ``invoices_paid``: payables paid in the period; ``paid_within_30_days`` of them, paid at
  most 30 days after receipt (the statutory term, whatever shorter term a contract set), its
  percentage and ``average_days_to_pay``; ``paid_within_terms``: by their own due date.
* ``late``: payables whose due date fell in the period and passed unpaid (paid late since, or
  still unpaid); ``disputed``: payables disputed in the period.
* ``escalated_reports``: outcome reports whose verification deadline fell in the period and
  passed unanswered (the outcomes service escalates them): counted against the council.

Grant instalments (basis ``grant``) are left out of these UK8 figures and counted the same
way in a separate ``grants`` block: the Transparency Code wants grant payments seen, but they
are not invoices under a public contract.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from streetlevel.commissioning.domain.payables import Basis, Payable
from streetlevel.common.errors import ValidationProblem

STATUTORY_DAYS = 30
_PERIOD = re.compile(r"^(\d{4})-H([12])$")


def half_year(period: str) -> tuple[date, date]:
    """The Act's six-month reporting period (s.69(3): ending 31 March or 30 September).

    ``2026-H1`` is 1 April to 30 September 2026, ``2026-H2`` 1 October 2026 to 31 March 2027
    (the halves of the financial year 2026/27); 422 for anything else.
    """
    match = _PERIOD.match(period)
    if match is None:
        raise ValidationProblem(
            "A period is a half of a financial year such as 2026-H1 or 2026-H2.",
            [{"loc": ["query", "period"], "msg": "expected YYYY-H1 or YYYY-H2"}],
        )
    year, half = int(match[1]), int(match[2])
    if half == 1:
        return date(year, 4, 1), date(year, 9, 30)
    return date(year, 10, 1), date(year + 1, 3, 31)


def period_of(day: date) -> str:
    """The reporting period ``day`` falls in."""
    if day.month >= 10:
        return f"{day.year}-H2"
    return f"{day.year}-H1" if day.month >= 4 else f"{day.year - 1}-H2"


@dataclass(frozen=True)
class PaymentFigures:
    """Paid (within 30 days, within terms, days to pay, amount), late and disputed counts."""

    invoices_paid: int
    paid_within_30_days: int
    paid_within_30_days_pct: Decimal | None
    paid_within_terms: int
    average_days_to_pay: Decimal | None
    amount_paid: Decimal
    late: int
    disputed: int


@dataclass(frozen=True)
class PaymentPerformance(PaymentFigures):
    """The published figures of one council for one half-year.

    The flat figures are the UK8 ones, of public contracts only; ``grants`` holds the same
    figures for its grant instalments, apart: ss.68-69 do not cover grants (docs/grants.md).
    """

    org_id: str
    period: str
    start: date
    end: date
    escalated_reports: int
    grants: PaymentFigures


def _one_place(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def figures(inside: list[Payable], start: date, end: date, today: date) -> PaymentFigures:
    """The figures of these payables for [start, end] as of ``today``."""
    paid = [p for p in inside if p.paid_on is not None and start <= p.paid_on <= end]
    days = [p.days_to_pay or 0 for p in paid]
    within = sum(1 for d in days if d <= STATUTORY_DAYS)
    late = [
        p
        for p in inside
        if start <= p.due_on <= end
        and (p.was_late or (p.status in ("due", "late") and p.due_on < today))
    ]
    disputed = [p for p in inside if p.disputed_on is not None and start <= p.disputed_on <= end]
    return PaymentFigures(
        invoices_paid=len(paid),
        paid_within_30_days=within,
        paid_within_30_days_pct=_one_place(Decimal(within * 100) / len(paid)) if paid else None,
        paid_within_terms=sum(1 for p in paid if p.paid_on is not None and p.paid_on <= p.due_on),
        average_days_to_pay=_one_place(Decimal(sum(days)) / len(days)) if days else None,
        amount_paid=sum((p.amount for p in paid), Decimal(0)),
        late=len(late),
        disputed=len(disputed),
    )


def performance(
    org_id: str,
    period: str,
    payables: Iterable[Payable],
    *,
    today: date,
    escalated_reports: int = 0,
) -> PaymentPerformance:
    """The figures for ``period`` as of ``today`` (a period still running counts so far)."""
    start, end = half_year(period)
    own = [p for p in payables if p.basis != Basis.CREDIT and p.buyer_id == org_id]
    contracts = [p for p in own if p.basis != Basis.GRANT]
    grants = [p for p in own if p.basis == Basis.GRANT]
    return PaymentPerformance(
        org_id=org_id,
        period=period,
        start=start,
        end=end,
        escalated_reports=escalated_reports,
        grants=figures(grants, start, end, today),
        **vars(figures(contracts, start, end, today)),
    )
