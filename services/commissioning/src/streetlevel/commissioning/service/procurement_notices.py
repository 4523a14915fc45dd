"""Publishing the Act's notices in sequence (NoticeLog) and as NoticePublished events.

Each notice's ``fields`` come from ``service/notice_fields.py`` (one builder per notice type).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters.evaluation_repository import Notices
from streetlevel.commissioning.domain import events as ev
from streetlevel.commissioning.domain.commission import Commission
from streetlevel.commissioning.domain.procurement.commission_routing import kind_of
from streetlevel.commissioning.domain.procurement.notices import NoticeLog, NoticeType, sequence
from streetlevel.commissioning.domain.procurement.working_days import Standstill
from streetlevel.commissioning.service.notice_fields import as_json, common_fields
from streetlevel.commissioning.service.procurement_rules import routing_of
from streetlevel.common.ids import new_id


async def publish_notice(
    session: AsyncSession,
    commission: Commission,
    code: NoticeType,
    fields: dict[str, Any],
    *,
    now: datetime,
    lot_id: str | None = None,
    contract_id: str | None = None,
    standstill: Standstill | None = None,
) -> dict[str, Any] | None:
    """Sequence and keep a notice, recorded on the commission (None: the Act asks none here)."""
    routing = routing_of(commission)
    kind = kind_of(commission.s)
    applicable = set().union(*sequence(routing, kind).values())
    if code not in applicable:
        return None
    repo = Notices(session)
    # Each lot runs its own award cycle after the commission's tender notice.
    earlier = [n for n in await repo.for_commission(commission.id) if n["lot_id"] in (None, lot_id)]
    log = NoticeLog(routing, kind, published=earlier)
    notice = log.publish(
        code,
        as_json({**common_fields(commission), **fields}),
        now=now,
        summaries_sent=True,  # summaries are made at the award, before the UK6 (s.50(3))
        standstill=standstill,
    )
    notice.update(id=str(new_id()), lot_id=lot_id, contract_id=contract_id)
    await repo.add(commission.id, notice)
    commission.record(
        ev.NoticePublished(
            notice_id=notice["id"],
            notice_type=code,
            commission_id=commission.id,
            contract_id=contract_id,
            published_at=now,
            fields=notice["fields"],
        ),
        subject=commission.subject,
    )
    return notice
