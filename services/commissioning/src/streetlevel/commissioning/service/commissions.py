"""Use cases of a commission's life: create, patch/amend, publish, cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.commission_repository import CommissionRepository
from streetlevel.commissioning.adapters.read_model_repository import ReadModelRepository
from streetlevel.commissioning.domain.commission import Commission
from streetlevel.commissioning.domain.procurement.commission_routing import kind_of
from streetlevel.commissioning.domain.rules import SpecContext, check_publishable, check_spec
from streetlevel.commissioning.domain.values import CommissionSpec
from streetlevel.commissioning.service import tender_notices
from streetlevel.commissioning.service.access import load_for_buyer, require_council
from streetlevel.commissioning.service.context import Services
from streetlevel.commissioning.service.notice_fields import cancellation_fields, tender_fields
from streetlevel.commissioning.service.procurement_notices import publish_notice
from streetlevel.commissioning.service.procurement_rules import (
    check_publish,
    routing_for,
    routing_of,
    social_value_weight,
)
from streetlevel.commissioning.service.releases import record_release
from streetlevel.common.auth import Principal
from streetlevel.common.errors import PreconditionFailed, ValidationProblem
from streetlevel.common.etags import digest_tag, match
from streetlevel.common.ids import new_id
from streetlevel.common.patch import merge_patch
from streetlevel.common.themes import check_themes


def etag(c: Commission) -> str:
    """A strong validator over the commission's content (drafts change without events)."""
    return digest_tag(orjson.dumps(c.public_view(), option=orjson.OPT_SORT_KEYS))


async def spec_context(
    services: Services,
    uow_session: Any,
    spec: CommissionSpec,
    area: str,
    *,
    buyer_id: str,
    created_at: datetime,
) -> SpecContext:
    # The registry's vocabulary, as learned from registry.theme.v1 (422 unknown, 503 not yet).
    await check_themes(uow_session, orm.themes, spec.themes, ["body", "themes"])
    codes = {o.indicator_code for lot in spec.lots for o in lot.outcomes}
    codes |= {i.indicator_code for i in spec.payment.rate_card}
    known = await ReadModelRepository(uow_session).indicator_codes(codes)
    # The Act's value routing first: its refusals name the rule and the section (422).
    routing = routing_for(spec, buyer_area=area, created_at=created_at)
    return SpecContext(
        buyer_area=area,
        areas=services.areas,
        indicator_codes=known,
        min_social_value_weight=social_value_weight(services.settings, buyer_id, routing),
    )


async def _context_of(
    services: Services, session: Any, c: Commission, spec: CommissionSpec | None = None
) -> SpecContext:
    assert c.created_at is not None
    return await spec_context(
        services,
        session,
        spec or c.s,
        c.buyer_area,
        buyer_id=c.buyer_id,
        created_at=c.created_at,
    )


async def create_commission(
    *, services: Services, principal: Principal, spec: CommissionSpec, buyer_name: str | None
) -> Commission:
    org, area = require_council(principal)
    async with services.uow() as uow:
        now = uow.clock.now()
        ctx = await spec_context(services, uow.session, spec, area, buyer_id=org, created_at=now)
        check_spec(spec, ctx)
        cid = str(new_id())
        commission = Commission.draft(
            id=cid,
            ocid=f"{services.settings.ocid_prefix}-{cid}",
            buyer_id=org,
            buyer_name=buyer_name or org,
            buyer_area=area,
            spec=spec,
            now=now,
        )
        await CommissionRepository(uow.session).add(commission)
        await uow.commit()
    return commission


async def patch_commission(
    *,
    services: Services,
    principal: Principal,
    commission_id: str,
    patch: dict[str, Any],
    if_match: str | None,
) -> Commission:
    """JSON merge patch of a draft, or a recorded amendment of an open tender."""
    async with services.uow() as uow:
        repo = CommissionRepository(uow.session)
        commission = await load_for_buyer(repo, commission_id, principal)
        before = commission.s
        if not match(if_match, etag(commission)):
            raise PreconditionFailed("The commission changed since you read it (If-Match).")
        reason = str(patch.pop("amendment_rationale", "") or "Amended while open")
        current = commission.s.model_dump(mode="json")
        merged = merge_patch(current, patch)
        try:
            spec = CommissionSpec.model_validate(merged)
        except ValidationError as exc:
            raise ValidationProblem.from_pydantic(
                "The patched commission is not valid.",
                exc.errors(include_input=False, include_url=False),
            ) from exc
        new = spec.model_dump(mode="json")
        changed = sorted(k for k in new if new[k] != current.get(k))
        check_spec(spec, await _context_of(services, uow.session, commission, spec))
        now = uow.clock.now()
        if commission.status == "draft":
            commission.replace_draft(spec, now=now)
        elif changed:
            commission.amend(spec, changed=changed, now=now, reason=reason)
        await repo.save(commission)
        if commission.status == "open" and changed:
            await record_release(
                uow.session,
                commission=commission,
                tag="tenderAmendment",
                now=now,
                base_url=services.settings.public_base_url,
            )
            await tender_notices.eligibility_changed(uow, commission, services.areas, before=before)
        uow.track(commission)
        await uow.commit()
    return commission


async def publish_commission(
    *, services: Services, principal: Principal, commission_id: str
) -> Commission:
    async with services.uow() as uow:
        repo = CommissionRepository(uow.session)
        commission = await load_for_buyer(repo, commission_id, principal)
        now = uow.clock.now()
        check_spec(commission.s, await _context_of(services, uow.session, commission))
        # Tendering periods come from s.54 (check_publish); here only the enquiry period.
        check_publishable(
            commission.s,
            now=now,
            min_enquiry_days=services.settings.min_enquiry_days,
            min_tender_days=0,
        )
        check_publish(services.settings, commission.s, routing_of(commission), now=now)
        commission.publish(now=now)
        # A direct award has no tender notice: its UK5 follows at the award, the supplier known.
        if kind_of(commission.s) != "direct_award":
            await publish_notice(uow.session, commission, "UK4", tender_fields(commission), now=now)
        await repo.save(commission)
        await record_release(
            uow.session,
            commission=commission,
            tag="tender",
            now=now,
            base_url=services.settings.public_base_url,
        )
        await tender_notices.eligibility_changed(uow, commission, services.areas, before=None)
        uow.track(commission)
        await uow.commit()
    return commission


async def cancel_commission(
    *, services: Services, principal: Principal, commission_id: str, reason: str
) -> Commission:
    async with services.uow() as uow:
        repo = CommissionRepository(uow.session)
        commission = await load_for_buyer(repo, commission_id, principal)
        was_public = commission.is_public
        now = uow.clock.now()
        commission.cancel(reason=reason, now=now)
        if was_public:
            await publish_notice(
                uow.session, commission, "UK12", cancellation_fields(commission, reason), now=now
            )
        await repo.save(commission)
        if was_public:
            await record_release(
                uow.session,
                commission=commission,
                tag="tenderCancellation",
                now=now,
                base_url=services.settings.public_base_url,
            )
        uow.track(commission)
        await uow.commit()
    return commission
