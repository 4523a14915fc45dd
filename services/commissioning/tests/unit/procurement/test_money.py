"""Contract values with and without VAT are exact to the penny."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streetlevel.commissioning.domain.procurement.money import ContractValue, total_gross
from streetlevel.commissioning.domain.values import Money

amounts = st.decimals(min_value=0, max_value=100_000_000, places=2).map(lambda d: Money(amount=d))
rates = st.sampled_from([Decimal(0), Decimal(5), Decimal(20), Decimal("17.5")])


def test_a_net_value_gains_twenty_per_cent_vat_by_default() -> None:
    value = ContractValue.from_net(Money(amount=Decimal("25000.00")))
    assert value.vat.amount == Decimal("5000.00")
    assert value.gross.amount == Decimal("30000.00")
    assert value.vat_rate == Decimal(20)


def test_an_exempt_service_has_the_same_gross_and_net() -> None:
    value = ContractValue.from_net(Money(amount=Decimal("199999.99")), Decimal(0))
    assert value.gross == value.net


def test_vat_rounds_half_up_to_the_penny() -> None:
    value = ContractValue.from_net(Money(amount=Decimal("0.03")), Decimal("17.5"))
    assert value.vat.amount == Decimal("0.01")


@pytest.mark.parametrize("rate", [Decimal(-1), Decimal("100.01")])
def test_a_rate_outside_zero_to_a_hundred_is_refused(rate: Decimal) -> None:
    with pytest.raises(ValueError, match="percentage"):
        ContractValue.from_net(Money(amount=Decimal(1)), rate)


@given(amounts, rates)
def test_from_net_keeps_the_net_and_gross_is_net_plus_vat(net: Money, rate: Decimal) -> None:
    value = ContractValue.from_net(net, rate)
    assert value.net == net
    assert value.gross.amount == value.net.amount + value.vat.amount
    assert abs(value.vat.amount - net.amount * rate / 100) <= Decimal("0.005")


@given(amounts, rates)
def test_from_gross_keeps_the_gross_exactly(gross: Money, rate: Decimal) -> None:
    value = ContractValue.from_gross(gross, rate)
    assert value.gross == gross
    assert abs(value.net.amount * (100 + rate) / 100 - gross.amount) <= Decimal("0.01")


@given(amounts, amounts, rates)
def test_gross_preserves_the_order_of_net_values(a: Money, b: Money, rate: Decimal) -> None:
    if a.amount <= b.amount:
        assert ContractValue.from_net(a, rate).gross.amount <= (
            ContractValue.from_net(b, rate).gross.amount
        )


def test_values_at_one_rate_add_up_and_lots_total_by_gross() -> None:
    a = ContractValue.from_net(Money(amount=Decimal("100.00")))
    b = ContractValue.from_net(Money(amount=Decimal("50.00")))
    assert (a + b).gross.amount == Decimal("180.00")
    exempt = ContractValue.from_net(Money(amount=Decimal("10.00")), Decimal(0))
    with pytest.raises(ValueError, match="different VAT rates"):
        a + exempt
    assert total_gross([a, b, exempt]).amount == Decimal("190.00")


def test_a_value_whose_vat_does_not_match_its_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="does not match"):
        ContractValue(net=Money(amount=Decimal(100)), vat=Money(amount=Decimal(5)))
