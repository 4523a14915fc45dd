"""Event entrypoints: public and private topics, each event handed to the fan-out use case."""

from __future__ import annotations

from streetlevel.common.events import Envelope
from streetlevel.common.runtime import Runtime
from streetlevel.common.uow import UnitOfWork
from streetlevel.notifications.domain.events import PRIVATE_TOPIC
from streetlevel.notifications.service import fan_out
from streetlevel.notifications.service.context import Services

#: The change feed's topics: open data, for any principal that subscribes.
PUBLIC_TOPICS = (
    "registry.enterprise.v1",
    "registry.theme.v1",
    "commissioning.commission.v1",
    "commissioning.contract.v1",
    "outcomes.indicator.v1",
    "outcomes.plan.v1",
)
#: ``<service>.private.v1``: each event names its one principal in ``audience``.
PRIVATE_TOPICS = (
    "registry.private.v1",
    "commissioning.private.v1",
    "outcomes.private.v1",
    PRIVATE_TOPIC,
)
PUBLIC_GROUP = "notifications"
PRIVATE_GROUP = "notifications-private"


def register(runtime: Runtime, services: Services) -> None:
    """Subscribe the consumers (before the runtime starts)."""

    async def on_public(uow: UnitOfWork, event: Envelope) -> None:
        await fan_out.queue_event(uow=uow, event=event, services=services, private=False)

    async def on_private(uow: UnitOfWork, event: Envelope) -> None:
        await fan_out.queue_event(uow=uow, event=event, services=services, private=True)

    # Public and private topics in separate groups: their per-subject sequences are unrelated.
    runtime.subscribe(PUBLIC_GROUP, PUBLIC_TOPICS, on_public, kind="snapshot")
    # A private notice is never superseded: one award becomes a notice per bidder, all with
    # the award's subject and sequence, and each must reach its bidder (once, by event id).
    runtime.subscribe(PRIVATE_GROUP, PRIVATE_TOPICS, on_private, kind="notice")
