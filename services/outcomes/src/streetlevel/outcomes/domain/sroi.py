"""Social value and SROI by the exact formula of API.md; rounding only in the output.

For an indicator with verified quantity Q and proxy P, year-1 impact is
I1 = Q × P × (1 − deadweight)(1 − displacement)(1 − attribution); later years drop off,
It = It−1 × (1 − drop_off); present value PV = Σ It / (1 + discount_rate)^t, t = 1…duration;
SROI = Σ PV ÷ contract value. Percentages are 0–100.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

from streetlevel.outcomes.domain.values import Assumptions

PENNY = Decimal("0.01")
HUNDRED = Decimal(100)
# Far more digits than any money figure needs, so rounding happens only at the output.
PRECISION = 60


@dataclass(frozen=True)
class IndicatorValue:
    """The exact figures of one indicator."""

    code: str
    quantity: Decimal
    proxy: Decimal | None
    yearly_impact: tuple[Decimal, ...]
    present_value: Decimal

    @property
    def monetised(self) -> bool:
        return self.proxy is not None


@dataclass(frozen=True)
class SocialValue:
    """Every indicator's value, the total present value and the SROI ratio (exact)."""

    indicators: tuple[IndicatorValue, ...]
    total_present_value: Decimal
    contract_value: Decimal
    ratio: Decimal | None


def _fraction_kept(percentage: Decimal) -> Decimal:
    return 1 - percentage / HUNDRED


def indicator_value(
    *, code: str, quantity: Decimal, proxy: Decimal | None, assumptions: Assumptions
) -> IndicatorValue:
    """The yearly impacts and present value of one indicator (zero when it has no proxy)."""
    with localcontext(Context(prec=PRECISION)):
        if proxy is None:
            return IndicatorValue(code, quantity, None, (), Decimal(0))
        a = assumptions
        impact = (
            quantity
            * proxy
            * _fraction_kept(a.deadweight)
            * _fraction_kept(a.displacement)
            * _fraction_kept(a.attribution)
        )
        yearly = [impact]
        for _year in range(2, a.duration_years + 1):
            yearly.append(yearly[-1] * _fraction_kept(a.drop_off))
        growth = 1 + a.discount_rate / HUNDRED
        present = sum(
            (impact_t / growth**t for t, impact_t in enumerate(yearly, start=1)), Decimal(0)
        )
        return IndicatorValue(code, quantity, proxy, tuple(yearly), present)


def social_value(
    *,
    quantities: dict[str, Decimal],
    proxies: dict[str, Decimal | None],
    assumptions: Assumptions,
    contract_value: Decimal,
) -> SocialValue:
    """The social value of a contract's verified quantities."""
    values = tuple(
        indicator_value(
            code=code, quantity=quantity, proxy=proxies.get(code), assumptions=assumptions
        )
        for code, quantity in quantities.items()
    )
    with localcontext(Context(prec=PRECISION)):
        total = sum((v.present_value for v in values), Decimal(0))
        ratio = total / contract_value if contract_value > 0 else None
    return SocialValue(values, total, contract_value, ratio)


def pennies(amount: Decimal) -> Decimal:
    """Round half-up to pennies: the only rounding, applied when a figure is shown."""
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)
