"""Disclosure control of sensitive counts: primary and secondary suppression, rounding."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from streetlevel.common.disclosure import (
    Figure,
    Relation,
    choose_suppressions,
    is_small,
    publish,
    round_to_five,
)


def test_only_counts_from_one_to_four_are_small() -> None:
    assert [is_small(Decimal(v)) for v in (0, 1, 4, 4.5, 5, 12)] == [
        False,
        True,
        True,
        True,
        False,
        False,
    ]


def test_published_figures_are_rounded_to_the_nearest_five_halves_up() -> None:
    assert [round_to_five(Decimal(v)) for v in (0, 7, 8, 12, 13)] == [0, 5, 10, 10, 15]


def test_a_small_count_is_suppressed_and_its_only_sibling_too() -> None:
    values = {"t": Decimal(13), "a": Decimal(3), "b": Decimal(10)}
    figures = publish(values, [Relation("t", ("a", "b"))], sensitive=True)
    assert figures == {
        "t": Figure(Decimal(15)),
        "a": Figure(None, True),
        "b": Figure(None, True),
    }


def test_an_insensitive_indicator_is_published_exactly() -> None:
    values = {"t": Decimal(7), "a": Decimal(3), "b": Decimal(4)}
    figures = publish(values, [Relation("t", ("a", "b"))], sensitive=False)
    assert figures == {k: Figure(v) for k, v in values.items()}


def test_hidden_parts_that_sum_to_a_small_number_are_widened() -> None:
    values = {"t": Decimal(20), "a": Decimal(1), "b": Decimal(2), "c": Decimal(17)}
    hidden = choose_suppressions(values, [Relation("t", ("a", "b", "c"))])
    assert hidden == {"a", "b", "c"}


def test_a_suppressed_figure_serialises_as_null() -> None:
    assert Figure(None, True).as_json() == {"value": None, "suppressed": True}
    assert Figure(Decimal(10)).as_json() == {"value": "10", "suppressed": False}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=8))
def test_no_part_of_a_published_total_is_derivable_when_small(parts: list[int]) -> None:
    values = {f"p{i}": Decimal(v) for i, v in enumerate(parts)}
    values["t"] = sum(values.values(), Decimal(0))
    relation = Relation("t", tuple(k for k in values if k != "t"))
    figures = publish(values, [relation], sensitive=True)
    hidden = [p for p in relation.parts if figures[p].suppressed]
    for cell, figure in figures.items():
        assert figure.suppressed == (figure.value is None)
        assert figure.suppressed or not is_small(values[cell])
    assert len(hidden) != 1 or figures["t"].suppressed
    if not figures["t"].suppressed:
        assert not is_small(sum((values[p] for p in hidden), Decimal(0)))
