"""No setting can shorten the statutory standstill: the retired ones fail fast at start-up."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from streetlevel.commissioning.domain.procurement.thresholds import classify
from streetlevel.commissioning.domain.values import Money
from streetlevel.commissioning.service.procurement_rules import calendar_for
from streetlevel.commissioning.settings import CommissioningSettings


@pytest.mark.parametrize(
    ("variable", "value"),
    [("COMMISSIONING_STANDSTILL_UK_WIDE", "false"), ("COMMISSIONING_STANDSTILL_DAYS", "0")],
)
def test_a_retired_standstill_variable_is_refused_at_start_up(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=f"{variable} is no longer a setting"):
        CommissioningSettings(environment="test")


@pytest.mark.parametrize("name", ["standstill_uk_wide", "standstill_days"])
def test_a_retired_standstill_setting_passed_directly_is_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="no longer a setting"):
        CommissioningSettings(environment="test", **{name: 0})


def test_the_standstill_calendar_is_always_uk_wide() -> None:
    settings = CommissioningSettings(environment="test")
    routing = classify(
        [Money(amount=Decimal(5000000))],
        kind="services",
        nation="england",
        started_on=date(2026, 3, 1),
    )
    assert routing.covered
    assert calendar_for(settings, routing).uk_wide is True
