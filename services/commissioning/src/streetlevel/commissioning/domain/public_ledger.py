"""What the public may see of a contract's payment ledger: disclosure control of sensitive counts.

The rule (API.md, "Disclosure control"), per contract:

* Every rate-card indicator has one published figure per reporting period (net verified units
  paid) and one for the whole contract so far; the whole equals the sum of the periods. For a
  ``sensitive`` indicator these figures go through ``streetlevel.common.disclosure``: 1–4
  suppressed, secondary suppression so that no published whole minus published periods gives
  1–4, the rest rounded to the nearest 5. Other indicators are published exactly.
* A period's public amount is the exact sum paid for non-sensitive indicators plus, for each
  sensitive indicator, its *published* units × the rate-card price. When a sensitive figure
  of the period is suppressed, only the non-sensitive part is published and the period is
  marked ``suppressed`` (the non-sensitive part alone carries no sensitive information).
* The public contract total is the sum of the published period amounts, so it tells nothing
  the periods do not; it is marked ``suppressed`` when any period is.
* Public figures change only when this snapshot changes (no event, no release otherwise), so
  nobody can count hidden verifications between two published figures.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from streetlevel.commissioning.domain import events as ev
from streetlevel.commissioning.domain.values import Money, PaymentLine, pennies
from streetlevel.common.disclosure import Figure, Relation, publish

PeriodKey = tuple[str, str]
WHOLE = ("", "")  # the cell of the whole contract, beside its periods


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class UnitsFigure(_Part):
    """One published achieved figure: units in a period, or for the whole contract so far."""

    period: ev.Period | None = None
    units: Decimal | None
    suppressed: bool = False
    rounded: bool = False


class IndicatorFigures(_Part):
    indicator_code: str
    sensitive: bool
    figures: list[UnitsFigure]


class PublicPayments(_Part):
    """The public snapshot of the ledger: period totals, their sum, achieved units."""

    periods: list[ev.PeriodTotal] = []
    total: Money = Money(amount=Decimal(0))
    suppressed: bool = False
    metrics: list[IndicatorFigures] = []


def public_payments(lines: Sequence[PaymentLine], sensitive: Collection[str]) -> PublicPayments:
    """The public snapshot of ``lines``; indicators in ``sensitive`` are disclosure-controlled."""
    units: dict[str, dict[PeriodKey, Decimal]] = {}
    prices: dict[str, Decimal] = {}
    exact: dict[PeriodKey, Decimal] = {}
    for line in lines:
        key = (line.period_start, line.period_end)
        exact.setdefault(key, Decimal(0))
        by_period = units.setdefault(line.indicator_code, {})
        by_period[key] = by_period.get(key, Decimal(0)) + line.units
        prices[line.indicator_code] = line.unit_price
        if line.indicator_code not in sensitive:
            exact[key] += line.amount
    published = {code: _publish(by_period, code in sensitive) for code, by_period in units.items()}
    periods = []
    for key in sorted(exact):
        amount, suppressed, rounded = max(exact[key], Decimal(0)), False, False
        for code in sensitive:
            figure = published.get(code, {}).get(key)
            if figure is None:
                continue
            if figure.value is None:
                suppressed = True
            else:
                amount += pennies(figure.value * prices[code])
                rounded = True
        periods.append(
            ev.PeriodTotal(
                period=ev.Period(start=key[0], end=key[1]),
                amount=Money(amount=amount),
                suppressed=suppressed,
                rounded=rounded and not suppressed,
            )
        )
    metrics = [
        IndicatorFigures(
            indicator_code=code,
            sensitive=code in sensitive,
            figures=[
                _units_figure(key, figure, code in sensitive)
                for key, figure in sorted(published[code].items())
            ],
        )
        for code in sorted(published)
    ]
    total = sum((p.amount.amount for p in periods), Decimal(0))
    return PublicPayments(
        periods=periods,
        total=Money(amount=total),
        suppressed=any(p.suppressed for p in periods),
        metrics=metrics,
    )


def _publish(by_period: dict[PeriodKey, Decimal], sensitive: bool) -> dict[PeriodKey, Figure]:
    values = {key: max(value, Decimal(0)) for key, value in by_period.items()}
    values[WHOLE] = sum(values.values(), Decimal(0))
    return publish(values, [Relation(WHOLE, tuple(by_period))], sensitive=sensitive)


def _units_figure(key: PeriodKey, figure: Figure, sensitive: bool) -> UnitsFigure:
    return UnitsFigure(
        period=None if key == WHOLE else ev.Period(start=key[0], end=key[1]),
        units=figure.value,
        suppressed=figure.suppressed,
        rounded=sensitive and not figure.suppressed,
    )
