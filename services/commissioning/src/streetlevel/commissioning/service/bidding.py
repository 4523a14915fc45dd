"""Use cases of bidders: questions and sealed bids (deadlines on the database clock)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.bid_repository import BidRepository
from streetlevel.commissioning.adapters.clock import db_now, deadline_passed
from streetlevel.commissioning.adapters.commission_repository import CommissionRepository
from streetlevel.commissioning.domain.bid import Bid
from streetlevel.commissioning.domain.commission import Commission
from streetlevel.commissioning.domain.consortium import Consortium
from streetlevel.commissioning.domain.errors import (
    BidNotFound,
    CommissionNotFound,
    IllegalStatus,
    TenderClosed,
)
from streetlevel.commissioning.service import tender_notices
from streetlevel.commissioning.service.access import load_for_buyer
from streetlevel.commissioning.service.consortium import check_shares, ensure_unbound, unmet_for
from streetlevel.commissioning.service.context import Services
from streetlevel.common.auth import Principal
from streetlevel.common.errors import Forbidden, Ineligible, NotFound, ValidationProblem
from streetlevel.common.ids import new_id


def require_enterprise(principal: Principal) -> str:
    principal.require("commissioning:bid")
    if not principal.enterprise_id:
        raise Forbidden("Only an enterprise client bound to an enterprise may do this.")
    return principal.enterprise_id


async def open_commission(
    services: Services, session: AsyncSession, commission_id: str, *, deadline: str = "tender"
) -> Commission:
    """A published commission still taking bids (or questions), checked on the DB clock."""
    commission = await CommissionRepository(session).get(commission_id, lock=True)
    if commission is None or commission.status == "draft":
        raise CommissionNotFound("No such commission.")
    if commission.status in ("evaluation", "awarded", "complete"):
        raise TenderClosed(f"The {deadline} deadline has passed.")
    if commission.status != "open":
        raise IllegalStatus(f"The commission is {commission.status}.")
    t = commission.s.timeline
    when = t.enquiry_end if deadline == "enquiry" else t.tender_end
    if await deadline_passed(session, when, services.clock):
        raise TenderClosed(f"The {deadline} deadline has passed.")
    return commission


async def check_eligible(
    services: Services,
    session: AsyncSession,
    commission: Commission,
    lot_id: str,
    enterprise_id: str,
    consortium: Consortium | None = None,
) -> None:
    unmet = await unmet_for(
        services, session, commission, lot_id=lot_id, lead_id=enterprise_id, consortium=consortium
    )
    if unmet:
        what = "consortium" if consortium else "enterprise"
        raise Ineligible(f"The {what} is not eligible for this lot.", unmet=unmet)


async def submit_bid(
    *,
    services: Services,
    principal: Principal,
    commission_id: str,
    lot_id: str,
    price: Decimal,
    proposal: str,
    commitments: list[dict[str, Any]],
    consortium: Consortium | None = None,
) -> Bid:
    enterprise_id = require_enterprise(principal)
    check_shares(consortium, enterprise_id)
    async with services.uow() as uow:
        commission = await open_commission(services, uow.session, commission_id)
        if commission.s.lot(lot_id) is None:
            raise ValidationProblem(
                "No such lot.",
                [{"loc": ["body", "lot_id"], "msg": "unknown lot", "type": "value_error"}],
            )
        await check_eligible(services, uow.session, commission, lot_id, enterprise_id, consortium)
        repo = BidRepository(uow.session)
        # Members are checked when they confirm: refusing here would tell the lead of their bids.
        await ensure_unbound(uow.session, (commission_id, lot_id), enterprise_id)
        now = await db_now(uow.session, uow.clock)
        bid = Bid(
            id=str(new_id()),
            commission_id=commission_id,
            lot_id=lot_id,
            enterprise_id=enterprise_id,
            price=price,
            proposal=proposal,
            commitments=commitments,
            submitted_at=now,
            updated_at=now,
            consortium=consortium,
        )
        await repo.add(bid)
        await tender_notices.bids_received(uow, commission)
        await uow.commit()
    return bid


async def own_bid(
    session: AsyncSession, commission_id: str, bid_id: str, enterprise_id: str
) -> Bid:
    bid = await BidRepository(session).get(bid_id)
    if bid is None or bid.commission_id != commission_id or bid.enterprise_id != enterprise_id:
        raise BidNotFound("No such bid.")
    return bid


async def revise_bid(
    *,
    services: Services,
    principal: Principal,
    commission_id: str,
    bid_id: str,
    price: Decimal | None,
    proposal: str | None,
    commitments: list[dict[str, Any]] | None,
    consortium: Consortium | None = None,
) -> Bid:
    enterprise_id = require_enterprise(principal)
    check_shares(consortium, enterprise_id)
    async with services.uow() as uow:
        bid = await own_bid(uow.session, commission_id, bid_id, enterprise_id)
        commission = await open_commission(services, uow.session, commission_id)
        if consortium is not None:
            await check_eligible(
                services, uow.session, commission, bid.lot_id, enterprise_id, consortium
            )
        now = await db_now(uow.session, uow.clock)
        bid.revise(
            price=price, proposal=proposal, commitments=commitments, now=now, consortium=consortium
        )
        await BidRepository(uow.session).save(bid)
        await uow.commit()
    return bid


async def withdraw_bid(
    *, services: Services, principal: Principal, commission_id: str, bid_id: str
) -> Bid:
    enterprise_id = require_enterprise(principal)
    async with services.uow() as uow:
        bid = await own_bid(uow.session, commission_id, bid_id, enterprise_id)
        commission = await open_commission(services, uow.session, commission_id)
        bid.withdraw(now=await db_now(uow.session, uow.clock))
        await BidRepository(uow.session).save(bid)
        await tender_notices.bids_received(uow, commission)
        await uow.commit()
    return bid


async def confirm_membership(
    *,
    services: Services,
    principal: Principal,
    commission_id: str,
    bid_id: str,
    enterprise_id: str,
) -> Bid:
    """A member confirms its part of a consortium bid through its own principal."""
    if require_enterprise(principal) != enterprise_id:
        raise Forbidden("Only the member itself confirms its part of a consortium bid.")
    async with services.uow() as uow:
        commission = await open_commission(services, uow.session, commission_id)
        repo = BidRepository(uow.session)
        bid = await repo.get(bid_id)
        member = bid.consortium.member(enterprise_id) if bid and bid.consortium else None
        if bid is None or bid.commission_id != commission.id or member is None:
            raise BidNotFound("No such bid.")
        if not member.confirmed:
            await ensure_unbound(uow.session, (commission.id, bid.lot_id), enterprise_id)
        if bid.confirm_member(enterprise_id, now=await db_now(uow.session, uow.clock)):
            await repo.save(bid)
        await uow.commit()
    return bid


async def ask_question(
    *, services: Services, principal: Principal, commission_id: str, text: str
) -> dict[str, Any]:
    enterprise_id = require_enterprise(principal)
    async with services.uow() as uow:
        commission = await open_commission(services, uow.session, commission_id, deadline="enquiry")
        question_id, asked_at = str(new_id()), uow.clock.now()
        row = {
            "id": question_id,
            "commission_id": commission_id,
            "asker_id": enterprise_id,
            "text": text,
            "asked_at": asked_at,
        }
        await uow.session.execute(insert(orm.questions).values(**row))
        tender_notices.question_asked(uow, commission, question_id, text, asked_at)
        await uow.commit()
    return {**row, "answer": None, "answered_at": None}


async def answer_question(
    *, services: Services, principal: Principal, commission_id: str, question_id: str, answer: str
) -> dict[str, Any]:
    async with services.uow() as uow:
        repo = CommissionRepository(uow.session)
        commission = await load_for_buyer(repo, commission_id, principal)
        q = orm.questions
        row = (
            (
                await uow.session.execute(
                    select(q).where(q.c.id == question_id).where(q.c.commission_id == commission_id)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("No such question.")
        now = uow.clock.now()
        await uow.session.execute(
            update(q).where(q.c.id == question_id).values(answer=answer, answered_at=now)
        )
        # Bidders mirror the answers from the feed; the event never names the asker.
        commission.answer_question(
            question_id=question_id,
            question=row["text"],
            answer=answer,
            asked_at=row["asked_at"],
            now=now,
        )
        await repo.save(commission)
        uow.track(commission)
        tender_notices.question_answered(
            uow,
            commission,
            question_id=question_id,
            asker_id=row["asker_id"],
            answer=answer,
            at=now,
        )
        await uow.commit()
    return {**dict(row), "answer": answer, "answered_at": now}
