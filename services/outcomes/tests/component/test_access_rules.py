"""The access matrix of service/access.py: each rule × each principal, called directly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.auth import Principal
from streetlevel.common.errors import NotFound
from streetlevel.outcomes.domain.plans import ContractTerms
from streetlevel.outcomes.domain.values import Money, Period
from streetlevel.outcomes.service import access
from streetlevel.outcomes.service.access import contract_or_404, role_of
from streetlevel.testing.tokens import COUNCIL_SCOPES, access_principals, principal

BUYER, SUPPLIER = "GB-LAE-BPL", "e-supplier"
PRINCIPALS: dict[str, Principal] = access_principals(SUPPLIER, BUYER)
CONTRACT = ContractTerms(
    id="k-1",
    buyer_id=BUYER,
    supplier_id=SUPPLIER,
    areas=["E06000009"],
    period=Period(start=date(2026, 4, 1), end=date(2027, 3, 31)),
    value=Money(amount=Decimal("1000.00")),
)
# The role decides the representation: buyer and supplier see everything, the rest the public view.
ROLE_MATRIX = {
    "anonymous": "public",
    "app": "public",
    "council": "buyer",
    "other_council": "public",
    "itself": "supplier",
    "other_enterprise": "public",
    "registrar": "public",
}


@pytest.mark.parametrize(("who", "expected"), ROLE_MATRIX.items(), ids=list(ROLE_MATRIX))
def test_the_buyer_council_and_the_supplier_have_roles_and_everyone_else_is_public(
    who: str, expected: str
) -> None:
    assert role_of(PRINCIPALS[who], CONTRACT) == expected


def test_a_token_that_is_both_buyer_and_supplier_counts_as_the_buyer() -> None:
    both = principal("council", COUNCIL_SCOPES, org=BUYER, area="E06000009", enterprise_id=SUPPLIER)
    assert role_of(both, CONTRACT) == "buyer"


class Contracts:
    """A contract repository holding ``CONTRACT`` only."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, contract_id: str) -> ContractTerms | None:
        return CONTRACT if contract_id == CONTRACT.id else None


async def test_a_known_contract_is_found_and_an_unknown_one_is_404(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(access, "ContractRepository", Contracts)
    session = cast(AsyncSession, object())
    assert await contract_or_404(session, "k-1") is CONTRACT
    with pytest.raises(NotFound) as raised:
        await contract_or_404(session, "k-missing")
    assert raised.value.status == 404
    assert "k-missing" in raised.value.detail
