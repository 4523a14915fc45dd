"""Event entrypoints: each event type is handed to its use case, as routes do with requests."""

from __future__ import annotations

from streetlevel.common.events import Envelope
from streetlevel.common.runtime import Runtime
from streetlevel.common.themes import DEFINED as THEME_DEFINED
from streetlevel.common.themes import RETIRED as THEME_RETIRED
from streetlevel.common.themes import THEME_TOPIC
from streetlevel.common.uow import UnitOfWork
from streetlevel.outcomes.adapters.contracts import (
    CONTRACT_TOPIC,
    CREATED,
    ENTERPRISE_TOPIC,
    STATUS_OF,
)
from streetlevel.outcomes.domain.events import OBSERVATION_TOPIC
from streetlevel.outcomes.service import contracts, notices, read_models

GROUP = "outcomes"
#: Its own group: the service reads its own internal observation topic back for the notices.
NOTICES_GROUP = "outcomes-private"
ENTERPRISE_PREFIX = "registry.enterprise."


async def on_event(uow: UnitOfWork, event: Envelope) -> None:
    """One group for contracts, names and themes: the event's type picks the use case."""
    kind = event.short_type
    if kind == CREATED:
        await contracts.plan_contract(uow=uow, event=event)
    elif kind in STATUS_OF:
        await contracts.record_contract_status(uow=uow, event=event)
    elif kind.startswith(ENTERPRISE_PREFIX):
        await read_models.record_enterprise_name(uow=uow, event=event)
    elif kind in (THEME_DEFINED, THEME_RETIRED):
        await read_models.record_theme(uow=uow, event=event)
    # Unknown types are ignored: producers may add new ones (EVENTS.md).


def register(runtime: Runtime) -> None:
    """Subscribe the service's consumer (before the runtime starts)."""
    runtime.subscribe(GROUP, [CONTRACT_TOPIC, ENTERPRISE_TOPIC, THEME_TOPIC], on_event)
    # Notices to the principal who must act, read back from the service's own internal topic so
    # the observation use cases stay as they are; through the outbox, once per event (inbox).
    runtime.subscribe(
        NOTICES_GROUP,
        [OBSERVATION_TOPIC],
        lambda uow, event: notices.notify_observation(uow=uow, event=event),
        kind="snapshot",
    )
