"""Use cases of the ward micro-grant track: open, apply, decide, pay, report (docs/grants.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from streetlevel.commissioning.adapters.clock import db_now
from streetlevel.commissioning.adapters.grant_repository import GrantRepository
from streetlevel.commissioning.adapters.payable_repository import PayableRepository
from streetlevel.commissioning.adapters.read_model_repository import ReadModelRepository
from streetlevel.commissioning.domain.grants import (
    Decision,
    Grant,
    GrantApplication,
    GrantProgramme,
    Method,
    Outcome,
    check_decision,
)
from streetlevel.commissioning.service.access import require_council, require_grant_council
from streetlevel.commissioning.service.context import Services
from streetlevel.commissioning.service.grant_payments import (
    pay_grant_payable,
    raise_grant_payables,
)
from streetlevel.common.areas import area_type
from streetlevel.common.auth import Principal
from streetlevel.common.errors import (
    Conflict,
    Forbidden,
    Ineligible,
    NotFound,
    ValidationProblem,
)
from streetlevel.common.ids import new_id


class ProgrammeNotFound(NotFound):
    """No such grant programme."""


class GrantNotFound(NotFound):
    """No such grant."""


def check_areas(services: Services, council_area: str, areas: list[str]) -> None:
    """Ward and LAD codes, checked like a commission's lot areas: known, inside the council."""
    errors = []
    for i, code in enumerate(areas):
        if area_type(code) is None or (code not in services.areas and code != council_area):
            msg = f"{code} is not a known GSS code"
        elif not services.areas.contains(council_area, code):
            msg = f"{code} is outside the council's area"
        else:
            continue
        errors.append({"loc": ["body", "areas", i], "msg": msg, "type": "value_error"})
    if errors:
        raise ValidationProblem("The programme's areas are not valid.", errors)


async def open_programme(
    *, services: Services, principal: Principal, fields: dict[str, Any]
) -> GrantProgramme:
    org, area = require_council(principal)
    check_areas(services, area, fields["areas"])
    async with services.uow() as uow:
        fields = {**fields, "council_name": fields.get("council_name") or org}
        programme = GrantProgramme.open(
            id=str(new_id()), council_id=org, now=uow.clock.now(), **fields
        )
        await GrantRepository(uow.session).add_programme(programme)
        uow.track(programme)
        await uow.commit()
    return programme


async def _owned_programme(
    repo: GrantRepository, programme_id: str, principal: Principal
) -> GrantProgramme:
    principal.require("commissioning:write")
    programme = await repo.programme(programme_id, lock=True)
    if programme is None:
        raise ProgrammeNotFound("No such grant programme.")
    require_grant_council(principal, programme.council_id, "programme")
    return programme


async def close_programme(
    *, services: Services, principal: Principal, programme_id: str
) -> GrantProgramme:
    async with services.uow() as uow:
        repo = GrantRepository(uow.session)
        programme = await _owned_programme(repo, programme_id, principal)
        programme.close(now=uow.clock.now())
        await repo.save_programme(programme)
        uow.track(programme)
        await uow.commit()
    return programme


async def apply(
    *,
    services: Services,
    principal: Principal,
    programme_id: str,
    amount: Decimal,
    purpose: str,
    people_reached: int,
    contact: str | None,
) -> GrantApplication:
    """A verified community group of any legal form applies (no events: it is not public)."""
    principal.require("commissioning:bid")
    if principal.enterprise_id is None:
        raise Forbidden("Only a registered enterprise may apply for a grant.")
    async with services.uow() as uow:
        repo = GrantRepository(uow.session)
        programme = await repo.programme(programme_id)
        if programme is None:
            raise ProgrammeNotFound("No such grant programme.")
        record = await ReadModelRepository(uow.session).enterprise(principal.enterprise_id)
        if record is None or record.status != "verified":
            raise Ineligible(
                "Only a verified enterprise may apply for a grant.",
                [{"rule": "verified_only", "detail": "the registry has not verified you"}],
            )
        mine = await repo.applications(programme_id=programme.id, enterprise_id=record.id)
        if any(a.status == "submitted" for a in mine):
            raise Conflict("You already have an application waiting for a decision here.")
        application = GrantApplication.submit(
            programme,
            now=uow.clock.now(),
            id=str(new_id()),
            enterprise_id=record.id,
            enterprise_name=record.name,
            amount_requested=amount,
            purpose=purpose,
            people_reached=people_reached,
            contact=contact,
        )
        await repo.add_application(application)
        await uow.commit()
    return application


def _outcome(item: dict[str, Any]) -> Outcome:
    votes = item.get("votes") or {}
    return Outcome(
        application_id=item["application_id"],
        awarded=item["result"] == "awarded",
        amount=item.get("amount") or Decimal(0),
        votes_for=votes.get("for"),
        votes_against=votes.get("against"),
        schedule=tuple((i["due_on"], i["amount"]) for i in item.get("instalments") or ()),
    )


async def decide(
    *,
    services: Services,
    principal: Principal,
    programme_id: str,
    method: Method,
    panel: list[str],
    turnout: int | None,
    results: list[dict[str, Any]],
) -> tuple[Decision, list[Grant]]:
    """Record and publish a decision; each award becomes a grant agreement within the budget."""
    async with services.uow() as uow:
        repo = GrantRepository(uow.session)
        programme = await _owned_programme(repo, programme_id, principal)
        now = uow.clock.now()
        outcomes = tuple(_outcome(item) for item in results)
        ids = [o.application_id for o in outcomes]
        applications = {a.id: a for a in await repo.applications(ids=ids)}
        decision = Decision(
            id=str(new_id()),
            programme_id=programme.id,
            method=method,
            panel=tuple(panel),
            turnout=turnout,
            outcomes=outcomes,
            decided_at=now,
            names={a.id: a.enterprise_name for a in applications.values()},
        )
        check_decision(decision, applications)
        programme.commit(sum((o.amount for o in outcomes if o.awarded), Decimal(0)), now=now)
        programme.publish_decision(decision)
        await repo.save_programme(programme)
        await repo.add_decision(decision)
        grants = []
        for o in outcomes:
            application = applications[o.application_id]
            application.status = "awarded" if o.awarded else "declined"
            application.decided_at = now
            await repo.save_application(application)
            if o.awarded:
                grant = Grant.award(
                    id=str(new_id()),
                    programme=programme,
                    decision=decision,
                    outcome=o,
                    application=application,
                    now=now,
                )
                await repo.add_grant(grant)
                await raise_grant_payables(uow, grant, now=now)
                grants.append(grant)
        uow.track(programme, *grants)
        await uow.commit()
    return decision, grants


async def _owned_grant(repo: GrantRepository, grant_id: str) -> Grant:
    grant = await repo.grant(grant_id, lock=True)
    if grant is None:
        raise GrantNotFound("No such grant.")
    return grant


async def mark_paid(
    *,
    services: Services,
    principal: Principal,
    grant_id: str,
    no: int,
    paid_on: date,
    reference: str,
) -> Grant:
    """The council pays an instalment's payable, with its own payment reference."""
    principal.require("commissioning:write")
    async with services.uow() as uow:
        repo = GrantRepository(uow.session)
        grant = await _owned_grant(repo, grant_id)
        require_grant_council(principal, grant.council_id, "grant")
        payable = await PayableRepository(uow.session).grant_instalment(grant.id, no, lock=True)
        if payable is None:
            raise ValidationProblem(
                f"The grant has no instalment {no}.",
                [{"loc": ["path", "no"], "msg": "no such instalment", "type": "value_error"}],
            )
        now = await db_now(uow.session, uow.clock)
        await pay_grant_payable(uow, grant, payable, paid_on=paid_on, reference=reference, now=now)
        await uow.commit()
    return grant


async def report(
    *,
    services: Services,
    principal: Principal,
    grant_id: str,
    what_happened: str,
    people_reached: int,
    figures: dict[str, Decimal],
) -> Grant:
    """The recipient's light-touch end report; figures keyed by known indicator codes."""
    principal.require("commissioning:bid")
    async with services.uow() as uow:
        repo = GrantRepository(uow.session)
        grant = await _owned_grant(repo, grant_id)
        if not grant.is_recipient(principal.enterprise_id):
            raise Forbidden("Only the grant's recipient may report on it.")
        known = await ReadModelRepository(uow.session).indicator_codes(set(figures))
        unknown = sorted(set(figures) - known)
        if unknown:
            raise ValidationProblem(
                "Figures are keyed by the outcomes service's indicator codes.",
                [
                    {"loc": ["body", "figures", code], "msg": "unknown indicator", "type": "value"}
                    for code in unknown
                ],
            )
        grant.submit_report(
            what_happened=what_happened,
            people_reached=people_reached,
            figures=figures,
            now=uow.clock.now(),
        )
        await repo.save_grant(grant)
        uow.track(grant)
        await uow.commit()
    return grant
