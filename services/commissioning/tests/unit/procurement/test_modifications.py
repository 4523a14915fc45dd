"""Schedule 8 grounds, the 50 % cap and org-id splitting (GB-PPON)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from streetlevel.commissioning.domain.procurement.contract_changes import ChangeDecision
from streetlevel.commissioning.domain.procurement.errors import ProcurementRuleBroken
from streetlevel.commissioning.domain.procurement.modifications import (
    GROUNDS,
    check_modification,
    split_org_id,
)
from streetlevel.commissioning.domain.values import Money

NEEDS = ChangeDecision(True, "Publish a UK10 before modifying.")
FREE = ChangeDecision(False, "No UK10 needed.")


def money(amount: str) -> Money:
    return Money(amount=Decimal(amount))


def test_a_change_within_limits_needs_no_ground() -> None:
    assert check_modification(FREE, ground=None, before=money("100"), after=money("105")) == (
        "No UK10 needed."
    )


def test_a_substantial_change_without_a_ground_is_refused() -> None:
    with pytest.raises(ProcurementRuleBroken) as refused:
        check_modification(NEEDS, ground=None, before=money("100"), after=money("130"))
    assert refused.value.rule == "modification_not_permitted"
    assert "Schedule 8" in refused.value.section


@pytest.mark.parametrize("ground", ["unforeseeable", "known_risk", "additional"])
def test_capped_grounds_stop_at_fifty_per_cent(ground: str) -> None:
    assert "Schedule 8" in check_modification(
        NEEDS, ground=ground, before=money("100"), after=money("150")
    )
    with pytest.raises(ProcurementRuleBroken, match="50 %"):
        check_modification(NEEDS, ground=ground, before=money("100"), after=money("150.01"))


def test_uncapped_grounds_name_their_paragraph() -> None:
    basis = check_modification(
        NEEDS, ground="provided_for", before=money("100"), after=money("300")
    )
    assert GROUNDS["provided_for"] in basis


@pytest.mark.parametrize(
    ("org_id", "parts"),
    [
        ("GB-LAE-BPL", ("GB-LAE", "BPL")),
        ("GB-PPON-PBHM-7586-PWLP", ("GB-PPON", "PBHM-7586-PWLP")),
        ("GB-COH-12345678", ("GB-COH", "12345678")),
    ],
)
def test_org_ids_split_into_scheme_and_identifier(org_id: str, parts: tuple[str, str]) -> None:
    assert split_org_id(org_id) == parts
