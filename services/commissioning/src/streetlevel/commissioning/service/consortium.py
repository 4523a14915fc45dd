"""Consortium bids in the use cases: eligibility of the whole, binding, contract terms."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters.bid_repository import BidRepository
from streetlevel.commissioning.adapters.payloads import EnterpriseRecord
from streetlevel.commissioning.adapters.read_model_repository import ReadModelRepository, applicant
from streetlevel.commissioning.domain import events as ev
from streetlevel.commissioning.domain.bid import Bid
from streetlevel.commissioning.domain.commission import Commission
from streetlevel.commissioning.domain.consortium import (
    Consortium,
    consortium_unmet,
    share_errors,
    unconfirmed_rule,
)
from streetlevel.commissioning.domain.eligibility import unmet_rules
from streetlevel.commissioning.service.context import Services
from streetlevel.common.errors import Conflict, ValidationProblem


def check_shares(consortium: Consortium | None, lead_id: str) -> None:
    """Refuse (422) shares that do not sum to 100 % or a membership that is not sound."""
    errors = share_errors(consortium, lead_id) if consortium is not None else []
    if errors:
        raise ValidationProblem("The consortium's shares break one or more rules.", errors)


async def unmet_for(
    services: Services,
    session: AsyncSession,
    commission: Commission,
    *,
    lot_id: str,
    lead_id: str,
    consortium: Consortium | None,
    at_deadline: bool = False,
) -> list[dict[str, str]]:
    """Every unmet eligibility rule of a bid by ``lead_id`` alone or with its consortium."""
    lot = commission.s.lot(lot_id)
    assert lot is not None
    rules = commission.s.eligibility
    ids = [lead_id, *(consortium.member_ids if consortium else [])]
    records = await ReadModelRepository(session).enterprises(ids)
    if consortium is None:
        return unmet_rules(
            applicant(records.get(lead_id)), rules, lot_areas=lot.areas, areas=services.areas
        )
    unmet = consortium_unmet(
        applicant(records.get(lead_id)),
        {m: applicant(records.get(m)) for m in consortium.member_ids},
        consortium,
        rules,
        lot_areas=lot.areas,
        areas=services.areas,
    )
    # Members confirm before the deadline: an unconfirmed consortium is not counted after it.
    pending = unconfirmed_rule(consortium) if at_deadline else None
    return [*unmet, pending] if pending else unmet


async def ensure_unbound(
    session: AsyncSession, bid_lot: tuple[str, str], enterprise_id: str, *, but: str | None = None
) -> None:
    """Refuse (409) an enterprise already leading, or a confirmed member of, a live bid here."""
    commission_id, lot_id = bid_lot
    others = [
        b
        for b in await BidRepository(session).binding(commission_id, lot_id, enterprise_id)
        if b.id != but
    ]
    if others:
        raise Conflict(
            "You are already in a live bid for this lot (as its lead or a confirmed member): "
            "an enterprise is in one competing bid per lot."
        )


def consortium_terms(
    bid: Bid, records: Mapping[str, EnterpriseRecord]
) -> ev.ConsortiumTerms | None:
    """The contract's consortium terms from the winning bid (None for a bid by one enterprise)."""
    c = bid.consortium
    if c is None:
        return None
    return ev.ConsortiumTerms(
        lead_work_share_pct=c.lead_work_share_pct,
        lead_value_share_pct=c.lead_value_share_pct,
        members=[
            ev.MemberShare(
                enterprise_id=m.enterprise_id,
                name=r.name if (r := records.get(m.enterprise_id)) else m.enterprise_id,
                work_share_pct=m.work_share_pct,
                value_share_pct=m.value_share_pct,
            )
            for m in c.members
        ],
    )
