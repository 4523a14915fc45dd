"""Event entrypoints: each subscription hands its events to a use case, as routes do."""

from __future__ import annotations

from streetlevel.commissioning.adapters.payloads import (
    INDICATOR_TOPIC,
    OBSERVATION_TOPIC,
    REGISTRY_TOPIC,
)
from streetlevel.commissioning.domain.events import COMMISSION_TOPIC, CONTRACT_TOPIC
from streetlevel.commissioning.service import private_notices, read_models
from streetlevel.commissioning.service.context import Services
from streetlevel.commissioning.service.contracts import apply_observation
from streetlevel.commissioning.service.notices import NoticePublisher, apply_notice
from streetlevel.common.runtime import Runtime
from streetlevel.common.themes import THEME_TOPIC

#: One consumer group for the service (the Kafka ACLs and DLQ topics name it); the
#: consumers differ only in kind, and their subjects never overlap in the shared inbox.
GROUP = "commissioning"
#: Its own group: the service reads its own public topics back for the private notices.
NOTICES_GROUP = "commissioning-private"


def register(
    runtime: Runtime, services: Services, publisher: NoticePublisher | None = None
) -> None:
    """Subscribe the service's consumers (before the runtime starts)."""
    # The group carries the topic prefix so isolated deployments (and tests) never share one.
    group = services.settings.kafka_topic_prefix + GROUP
    runtime.subscribe(
        group,
        [REGISTRY_TOPIC],
        kind="snapshot",
        handler_many=lambda uow, events: read_models.record_enterprises(
            services=services, uow=uow, events=events
        ),
    )
    # One event at a time: a flag that changes republishes payments, caused by that event.
    runtime.subscribe(
        group,
        [INDICATOR_TOPIC],
        lambda uow, event: read_models.record_indicator(services=services, uow=uow, event=event),
        kind="snapshot",
    )
    runtime.subscribe(
        group,
        [THEME_TOPIC],
        kind="snapshot",
        handler_many=lambda uow, events: read_models.record_themes(
            services=services, uow=uow, events=events
        ),
    )
    runtime.subscribe(
        group,
        [OBSERVATION_TOPIC],
        lambda uow, event: apply_observation(services=services, uow=uow, event=event),
        kind="ledger",
    )
    # The service's own published notices, applied once each into the OCDS feed and the
    # submission queue. Snapshot, not ledger: a subject's sequence has gaps on this topic (its
    # aggregate's other events go elsewhere), and in-order delivery per key means nothing
    # newer is ever stale.
    runtime.consume(
        group,
        [COMMISSION_TOPIC],
        lambda session, envelope: apply_notice(services, session, envelope, publisher),
        kind="snapshot",
    )
    # Notices to the principal concerned, read back from the service's own public topics so
    # the tender and contract use cases stay as they are; through the outbox, once (inbox).
    runtime.subscribe(
        services.settings.kafka_topic_prefix + NOTICES_GROUP,
        [COMMISSION_TOPIC, CONTRACT_TOPIC],
        lambda uow, event: private_notices.notify(uow=uow, event=event),
        kind="snapshot",
    )
