"""Event entrypoints: each subscription hands its events to a use case, as routes do."""

from __future__ import annotations

from streetlevel.commissioning.adapters.payloads import (
    INDICATOR_TOPIC,
    OBSERVATION_TOPIC,
    REGISTRY_TOPIC,
)
from streetlevel.commissioning.service import read_models
from streetlevel.commissioning.service.context import Services
from streetlevel.commissioning.service.contracts import apply_observation
from streetlevel.common.runtime import Runtime
from streetlevel.common.themes import THEME_TOPIC

#: One consumer group for the service (the Kafka ACLs and DLQ topics name it); the
#: consumers differ only in kind, and their subjects never overlap in the shared inbox.
GROUP = "commissioning"


def register(runtime: Runtime, services: Services) -> None:
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
