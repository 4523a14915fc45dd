"""SROI: equal to the penny to examples worked by hand."""

from __future__ import annotations

from decimal import Decimal

from streetlevel.outcomes.domain.sroi import indicator_value, pennies, social_value
from streetlevel.outcomes.domain.values import Assumptions


def test_three_years_of_drop_off_and_discounting_match_the_hand_worked_example() -> None:
    # 10 people × £1,000.00, deadweight 20 %, displacement 10 %, attribution 25 %:
    #   I1 = 10 × 1000 × 0.80 × 0.90 × 0.75 = 5,400
    # drop-off 50 %: I2 = 2,700, I3 = 1,350
    # discount 3.5 %: 1.035¹ = 1.035, 1.035² = 1.071225, 1.035³ = 1.108717875
    #   5,400 / 1.035       = 5,217.3913043…
    #   2,700 / 1.071225    = 2,520.4788909…
    #   1,350 / 1.108717875 = 1,217.6226526…
    #   PV = 8,955.4928479… → £8,955.49; ÷ £5,000 contract = 1.7910985… → 1.79
    assumptions = Assumptions(
        deadweight=Decimal(20),
        displacement=Decimal(10),
        attribution=Decimal(25),
        drop_off=Decimal(50),
        discount_rate=Decimal("3.5"),
        duration_years=3,
    )
    result = social_value(
        quantities={"health.wellbeing_improved": Decimal(10)},
        proxies={"health.wellbeing_improved": Decimal("1000.00")},
        assumptions=assumptions,
        contract_value=Decimal("5000.00"),
    )
    (item,) = result.indicators
    assert item.yearly_impact == (Decimal(5400), Decimal(2700), Decimal(1350))
    assert pennies(item.present_value) == Decimal("8955.49")
    assert pennies(result.total_present_value) == Decimal("8955.49")
    assert result.ratio is not None
    assert pennies(result.ratio) == Decimal("1.79")


def test_five_years_of_ten_percent_drop_off_match_the_hand_worked_example() -> None:
    # 4 × £2,500 = 10,000 in year 1; drop-off 10 %: 9,000, 8,100, 7,290, 6,561
    #   10,000 / 1.035          = 9,661.8357487…
    #    9,000 / 1.071225       = 8,401.5963032…
    #    8,100 / 1.108717875    = 7,305.7359159…
    #    7,290 / 1.147523000625 = 6,352.8138399…
    #    6,561 / 1.187686305…   = 5,524.1859477…
    #   PV = 37,246.1677556… → £37,246.17; ÷ £20,000 = 1.8623083… → 1.86
    assumptions = Assumptions(drop_off=Decimal(10), duration_years=5)
    result = social_value(
        quantities={"jobs.local_hires": Decimal(4)},
        proxies={"jobs.local_hires": Decimal("2500.00")},
        assumptions=assumptions,
        contract_value=Decimal("20000.00"),
    )
    assert result.indicators[0].yearly_impact[-1] == Decimal(6561)
    assert pennies(result.total_present_value) == Decimal("37246.17")
    assert result.ratio is not None
    assert pennies(result.ratio) == Decimal("1.86")


def test_rounding_happens_half_up_and_only_at_the_output() -> None:
    # 3 hours × £12.35 × (1 − 50 % deadweight) = 18.525 exactly, one year undiscounted:
    # half-up gives £18.53 (banker's rounding would give £18.52).
    value = indicator_value(
        code="community.volunteer_hours",
        quantity=Decimal(3),
        proxy=Decimal("12.35"),
        assumptions=Assumptions(deadweight=Decimal(50), discount_rate=Decimal(0)),
    )
    assert value.present_value == Decimal("18.525")
    assert pennies(value.present_value) == Decimal("18.53")


def test_an_indicator_without_a_proxy_adds_nothing_to_the_value() -> None:
    result = social_value(
        quantities={"skills.training_hours": Decimal(40), "community.volunteer_hours": Decimal(10)},
        proxies={"skills.training_hours": None, "community.volunteer_hours": Decimal("12.00")},
        assumptions=Assumptions(discount_rate=Decimal(0)),
        contract_value=Decimal("60.00"),
    )
    # Only 10 × £12.00 = £120.00 counts; £120 / £60 = 2.
    assert [v.monetised for v in result.indicators] == [False, True]
    assert result.total_present_value == Decimal(120)
    assert result.ratio == Decimal(2)
