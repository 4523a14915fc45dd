"""The access matrix of service/access.py: each rule × each principal, called directly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

import pytest

from streetlevel.commissioning.adapters.commission_repository import CommissionRepository
from streetlevel.commissioning.domain.bid import Bid
from streetlevel.commissioning.domain.commission import Commission
from streetlevel.commissioning.domain.contract import Contract
from streetlevel.commissioning.service.access import (
    bid_access,
    load_for_buyer,
    require_council,
    sees_commission,
    sees_ledger,
)
from streetlevel.common.auth import Principal
from streetlevel.common.errors import DomainError
from streetlevel.testing.tokens import access_principals

BUYER, BIDDER = "GB-LAE-BPL", "e-bidder"
PRINCIPALS: dict[str, Principal] = access_principals(BIDDER, BUYER)
NOW = datetime(2026, 1, 5, tzinfo=UTC)
OK = "ok"


def verdict(call: Callable[[], Any]) -> Any:
    """The rule's answer, or the HTTP status of the error it raises."""
    try:
        return call()
    except DomainError as error:
        return error.status


async def load_verdict(held: Commission | None, p: Principal, *scope: str) -> Any:
    """``ok`` when load_for_buyer hands back the held commission, else the error's status."""
    try:
        got = await load_for_buyer(cast(CommissionRepository, Repo(held)), "c-1", p, *scope)
    except DomainError as error:
        return error.status
    assert got is held
    return OK


def commission(status: str = "draft", lot_state: dict[str, Any] | None = None) -> Commission:
    return Commission(
        id="c-1",
        buyer_id=BUYER,
        buyer_area="E06000009",
        status=status,  # type: ignore[arg-type]
        lot_states={"lot-1": lot_state} if lot_state else {},
    )


def bid() -> Bid:
    return Bid(
        id="b-1",
        commission_id="c-1",
        lot_id="lot-1",
        enterprise_id=BIDDER,
        price=Decimal("100.00"),
        proposal="p",
        commitments=[],
        submitted_at=NOW,
        updated_at=NOW,
    )


class Repo:
    """A repository holding one commission (``load_for_buyer`` only reads it)."""

    def __init__(self, held: Commission | None) -> None:
        self.held = held

    async def get(self, commission_id: str, *, lock: bool = False) -> Commission | None:
        assert lock, "the buyer's changes lock the commission"
        return self.held if self.held and self.held.id == commission_id else None


# principal: (require_council, load_for_buyer on a draft, on a published commission)
WRITE_MATRIX = {
    "anonymous": (401, 401, 401),
    "app": (403, 403, 403),
    "council": ((BUYER, "E06000009"), OK, OK),
    "other_council": (("GB-LAE-FYL", "E07000119"), 404, 403),
    "itself": (403, 403, 403),
    "other_enterprise": (403, 403, 403),
    "registrar": (403, 403, 403),
}


@pytest.mark.parametrize(("who", "expected"), WRITE_MATRIX.items(), ids=list(WRITE_MATRIX))
async def test_only_the_buyer_council_writes_and_others_drafts_stay_hidden(
    who: str, expected: tuple[Any, Any, Any]
) -> None:
    p = PRINCIPALS[who]
    assert verdict(lambda: require_council(p)) == expected[0]
    for status, want in (("draft", expected[1]), ("published", expected[2])):
        assert await load_verdict(commission(status), p) == want, status


@pytest.mark.parametrize("who", list(PRINCIPALS))
async def test_a_missing_commission_is_404_for_every_caller_with_the_scope(who: str) -> None:
    expected = {"council": 404, "other_council": 404}.get(who, WRITE_MATRIX[who][1])
    assert await load_verdict(None, PRINCIPALS[who]) == expected


@pytest.mark.parametrize("who", list(PRINCIPALS))
async def test_evaluation_needs_the_evaluate_scope_as_well_as_being_the_buyer(who: str) -> None:
    got = await load_verdict(commission("published"), PRINCIPALS[who], "commissioning:evaluate")
    assert got == {"anonymous": 401, "council": OK}.get(who, 403)


AWARDED = {"status": "awarded", "bid_id": "b-1"}
# principal: bid_access while the tender is open, after it closes, once the bid won the lot
BID_MATRIX: dict[str, tuple[str | None, str | None, str | None]] = {
    "anonymous": (None, None, "public"),
    "app": (None, None, "public"),
    "council": (None, "buyer", "buyer"),
    "other_council": (None, None, "public"),
    "itself": ("bidder", "bidder", "bidder"),
    "other_enterprise": (None, None, "public"),
    "registrar": (None, None, "public"),
}


@pytest.mark.parametrize(("who", "expected"), BID_MATRIX.items(), ids=list(BID_MATRIX))
def test_a_bid_is_the_bidders_the_buyers_after_the_deadline_and_public_once_it_wins(
    who: str, expected: tuple[str | None, str | None, str | None]
) -> None:
    p, b = PRINCIPALS[who], bid()
    assert bid_access(p, commission("published"), b, tender_closed=False) == expected[0]
    assert bid_access(p, commission("published"), b, tender_closed=True) == expected[1]
    assert bid_access(p, commission("published", AWARDED), b, tender_closed=True) == expected[2]


def test_a_losing_bid_stays_secret_from_everyone_but_its_bidder_and_the_buyer() -> None:
    lost = commission("published", {"status": "awarded", "bid_id": "b-other"})
    seen = {who: bid_access(p, lost, bid(), tender_closed=True) for who, p in PRINCIPALS.items()}
    assert seen == dict.fromkeys(PRINCIPALS) | {"council": "buyer", "itself": "bidder"}


@pytest.mark.parametrize("who", list(PRINCIPALS))
def test_exact_payment_figures_are_for_the_buyer_and_the_supplier_only(who: str) -> None:
    contract = Contract(id="k-1", buyer_id=BUYER, supplier_id=BIDDER)
    assert sees_ledger(PRINCIPALS[who], contract) is (who in {"council", "itself"})


@pytest.mark.parametrize("who", list(PRINCIPALS))
def test_a_draft_is_the_buyers_alone_and_a_published_commission_everyones(who: str) -> None:
    p = PRINCIPALS[who]
    assert sees_commission(p.org, commission("draft")) is (who == "council")
    for status in ("open", "evaluation", "awarded", "cancelled"):
        assert sees_commission(p.org, commission(status)) is True, status
