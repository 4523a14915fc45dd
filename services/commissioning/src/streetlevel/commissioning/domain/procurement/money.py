"""Contract values with and without VAT, exact to the penny (thresholds are VAT-inclusive)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from streetlevel.commissioning.domain.values import PENNY, Money

#: The UK standard rate; zero-rated or exempt services (much social care) use 0.
STANDARD_VAT_RATE = Decimal(20)
_HUNDRED = Decimal(100)


def _pence(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def _check_rate(rate: Decimal) -> Decimal:
    if not Decimal(0) <= rate <= _HUNDRED:
        raise ValueError("a VAT rate is a percentage from 0 to 100")
    return rate


@dataclass(frozen=True)
class ContractValue:
    """An estimated value: net (excluding VAT) plus VAT equals gross, exactly, in pence."""

    net: Money
    vat: Money
    vat_rate: Decimal = STANDARD_VAT_RATE

    def __post_init__(self) -> None:
        _check_rate(self.vat_rate)
        # A penny either way covers rounding in both constructors; more is a wrong VAT figure.
        if abs(self.vat.amount - self.net.amount * self.vat_rate / _HUNDRED) > PENNY:
            raise ValueError("the VAT does not match the net value at this rate")

    @property
    def gross(self) -> Money:
        """The value including VAT: what Schedule 1 thresholds are compared with."""
        return Money(amount=self.net.amount + self.vat.amount)

    @classmethod
    def from_net(cls, net: Money, vat_rate: Decimal = STANDARD_VAT_RATE) -> ContractValue:
        """VAT on a net amount, rounded half-up to the penny."""
        rate = _check_rate(vat_rate)
        return cls(net=net, vat=Money(amount=_pence(net.amount * rate / _HUNDRED)), vat_rate=rate)

    @classmethod
    def from_gross(cls, gross: Money, vat_rate: Decimal = STANDARD_VAT_RATE) -> ContractValue:
        """Split a VAT-inclusive amount; the gross is kept exactly and VAT takes the rounding."""
        rate = _check_rate(vat_rate)
        net = _pence(gross.amount * _HUNDRED / (_HUNDRED + rate))
        return cls(net=Money(amount=net), vat=Money(amount=gross.amount - net), vat_rate=rate)

    def __add__(self, other: ContractValue) -> ContractValue:
        if other.vat_rate != self.vat_rate:
            raise ValueError("values at different VAT rates are added by gross, not by rate")
        return ContractValue(
            net=Money(amount=self.net.amount + other.net.amount),
            vat=Money(amount=self.vat.amount + other.vat.amount),
            vat_rate=self.vat_rate,
        )


def total_gross(values: list[ContractValue]) -> Money:
    """The aggregate VAT-inclusive value of several lots (Schedule 3 aggregation)."""
    return Money(amount=sum((v.gross.amount for v in values), Decimal(0)))
