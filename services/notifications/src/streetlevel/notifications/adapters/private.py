"""Private events into the outbox, each carrying the ``audience`` extension that EVENTS.md asks."""

from __future__ import annotations

from collections.abc import Iterable

from streetlevel.common.events import Envelope, PendingEvent, envelope_for
from streetlevel.common.outbox import notify_channel, outbox_insert, write_outbox
from streetlevel.common.uow import UnitOfWork


async def write_private(uow: UnitOfWork, events: Iterable[tuple[PendingEvent, str]]) -> None:
    """Write ``(event, audience)`` pairs in the unit of work's transaction."""
    writer = uow.writer
    items = []
    for pending, audience in events:
        envelope = envelope_for(
            pending, source=writer.source, time=writer.clock.now(), base_url=writer.base_url
        )
        with_audience = Envelope(**envelope.model_dump(), audience=audience)
        items.append((pending.payload.topic, pending.key, with_audience))
    channel = notify_channel(writer.service) if writer.is_postgres else None
    await write_outbox(
        uow.session, outbox_insert(writer.outbox, notify=channel), items, writer.clock
    )
