"""The service consumes its own NoticePublished events (inbox) to publish each notice onward."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters.consumers import GROUP
from streetlevel.commissioning.domain.events import COMMISSION_TOPIC
from streetlevel.commissioning.service.context import Services
from streetlevel.commissioning.service.notices import NoticePublisher, apply_notice
from streetlevel.common.events import Envelope
from streetlevel.common.runtime import Runtime


def register(
    runtime: Runtime, services: Services, publisher: NoticePublisher | None = None
) -> None:
    """Applies every notice once (inbox), per event: no batch handler that would keep one."""

    async def on_commission_event(session: AsyncSession, envelope: Envelope) -> None:
        await apply_notice(services, session, envelope, publisher)

    group = services.settings.kafka_topic_prefix + GROUP
    # Snapshot, not ledger: a subject's sequence has gaps on this topic (its aggregate's other
    # events go elsewhere), and in-order delivery per key means nothing newer is ever stale.
    runtime.consume(group, [COMMISSION_TOPIC], on_commission_event, kind="snapshot")
