"""Who may see and change commissions and bids (API.md's access table)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

from streetlevel.commissioning.adapters.commission_repository import CommissionRepository
from streetlevel.commissioning.domain.bid import Bid
from streetlevel.commissioning.domain.commission import Commission
from streetlevel.commissioning.domain.contract import Contract
from streetlevel.commissioning.domain.errors import CommissionNotFound
from streetlevel.commissioning.domain.notice_submission import NoticeSubmission
from streetlevel.common.auth import Principal
from streetlevel.common.errors import Forbidden, NotFound

BidAccess = Literal["bidder", "member", "buyer", "public"]


def sees_commission(org: str | None, commission: Commission) -> bool:
    """A draft is its buyer's alone; a commission once published is everyone's to read."""
    return commission.status != "draft" or commission.is_buyer(org)


def require_council(principal: Principal, scope: str = "commissioning:write") -> tuple[str, str]:
    """The buyer's org-id and area from the token (403 without them)."""
    principal.require(scope)
    if not principal.org or not principal.area:
        raise Forbidden("Only a council (a token with org and area) may do this.")
    return principal.org, principal.area


async def load_for_buyer(
    repo: CommissionRepository,
    commission_id: str,
    principal: Principal,
    scope: str = "commissioning:write",
) -> Commission:
    """The commission, locked, when the caller is its buyer (404 for others' drafts, else 403)."""
    principal.require(scope)
    commission = await repo.get(commission_id, lock=True)
    if commission is None or not sees_commission(principal.org, commission):
        raise CommissionNotFound("No such commission.")
    if not commission.is_buyer(principal.org):
        raise Forbidden("Only the buyer council may change this commission.")
    return commission


def bid_access(
    principal: Principal, commission: Commission, bid: Bid, *, tender_closed: bool
) -> BidAccess | None:
    """Who sees this bid: the bidder (a consortium's lead) and its members always (members read
    only); the buyer after the deadline; the public the winner."""
    if principal.enterprise_id is not None and principal.enterprise_id == bid.enterprise_id:
        return "bidder"
    if principal.enterprise_id is not None and principal.enterprise_id in bid.parties:
        return "member"
    if tender_closed and commission.is_buyer(principal.org):
        return "buyer"
    state = commission.lot_states.get(bid.lot_id, {})
    if state.get("status") == "awarded" and state.get("bid_id") == bid.id:
        return "public"
    return None


def sees_ledger(principal: Principal, c: Contract) -> bool:
    """Exact payment figures: the contract's buyer and its supplier."""
    return (principal.org is not None and principal.org == c.buyer_id) or (
        principal.enterprise_id is not None and principal.enterprise_id == c.supplier_id
    )


def require_notice_owner(principal: Principal, submission: NoticeSubmission | None) -> None:
    """A council's own notices only (404 for a missing one, 403 for another buyer's)."""
    if submission is None:
        raise NotFound("No such notice submission.")
    if principal.org != submission.buyer_id:
        raise Forbidden("Only the council that published this notice may account for it.")


def require_contract_buyer(principal: Principal, contract: Contract) -> None:
    """Changes and terminations (UK10, UK11) are the buyer council's alone."""
    principal.require("commissioning:write")
    if contract.buyer_id != principal.org:
        raise Forbidden("Only the buyer council may change this contract.")


def sees_summary(
    principal: Principal, c: Commission, bidder_id: str, members: Collection[str] = ()
) -> bool:
    """An assessment summary (s.50(3)): the bidder it is about (a consortium's lead and
    ``members``) and the buyer council only."""
    if principal.enterprise_id is not None and principal.enterprise_id in (bidder_id, *members):
        return True
    return c.is_buyer(principal.org) and principal.has("commissioning:evaluate")


def require_grant_council(principal: Principal, council_id: str, what: str) -> None:
    """A programme's or grant's changes are its council's alone (403 for anyone else)."""
    principal.require("commissioning:write")
    if principal.org != council_id:
        raise Forbidden(f"Only the council that runs this {what} may do this.")


def sees_grant_application(principal: Principal, applicant_id: str, council_id: str) -> bool:
    """An application (with its contact): the applicant and the programme's council only."""
    own = principal.enterprise_id is not None and principal.enterprise_id == applicant_id
    return own or (principal.org is not None and principal.org == council_id)


def is_grant_payer_or_payee(principal: Principal, council_id: str, recipient_id: str) -> bool:
    """Payment references: the paying council and the recipient."""
    return (principal.org is not None and principal.org == council_id) or (
        principal.enterprise_id is not None and principal.enterprise_id == recipient_id
    )
