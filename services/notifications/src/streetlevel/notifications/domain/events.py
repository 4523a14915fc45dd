"""Events of the notifications service: only private ones, each about its owner alone."""

from __future__ import annotations

from streetlevel.common.events import DomainEvent, TopicInfo

PRIVATE_TOPIC = "notifications.private.v1"
TOPICS = (
    TopicInfo(
        PRIVATE_TOPIC,
        key="the webhook id",
        description="PRIVATE: facts about one principal's webhooks, for that principal only "
        "(the envelope's audience attribute names it).",
    ),
)


class WebhookDisabled(DomainEvent):
    """Deliveries to a webhook stopped: failing for three days, or the receiver said 410."""

    event_type = "notifications.webhook.disabled.v1"
    topic = PRIVATE_TOPIC
    visibility = "internal"
    webhook_id: str
    url: str
    reason: str
    owner: str
