"""Request and response bodies of ``/v1/webhooks`` and ``/v1/me/events``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from streetlevel.notifications.domain.subscriptions import Filters, Subscription

EVENT_TYPE = r"^[a-z_]+(\.[a-z_]+)*(\.\*|\.v[0-9]+)$"
GSS = r"^[EWSN][0-9]{8}$"


class WebhookFilters(BaseModel):
    """What to receive: no event types means every type the principal may see."""

    model_config = ConfigDict(extra="forbid")

    event_types: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="types without the org.streetlevel. prefix, or a family ending in .*",
        json_schema_extra={"items": {"pattern": EVENT_TYPE}},
    )
    areas: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="GSS codes, matched through the ONS hierarchy",
    )
    themes: list[str] = Field(default_factory=list, max_length=50)
    commission_id: str | None = Field(default=None, max_length=64)
    contract_id: str | None = Field(default=None, max_length=64)

    def to_domain(self) -> Filters:
        return Filters(
            event_types=tuple(self.event_types),
            areas=tuple(self.areas),
            themes=tuple(self.themes),
            commission_id=self.commission_id,
            contract_id=self.contract_id,
        )

    @classmethod
    def of(cls, filters: Filters) -> WebhookFilters:
        return cls(
            event_types=list(filters.event_types),
            areas=list(filters.areas),
            themes=list(filters.themes),
            commission_id=filters.commission_id,
            contract_id=filters.contract_id,
        )


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2048, description="an https URL on a public address")
    description: str = Field(default="", max_length=500)
    filters: WebhookFilters = Field(default_factory=WebhookFilters)


class WebhookUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=2048)
    description: str | None = Field(default=None, max_length=500)
    filters: WebhookFilters | None = None
    status: Literal["active", "paused"] | None = Field(
        default=None, description="paused: nothing is queued; active again also re-enables"
    )


class WebhookRead(BaseModel):
    id: str
    url: str
    description: str
    filters: WebhookFilters
    status: Literal["active", "paused", "disabled"]
    disabled_reason: str | None = None
    failing_since: datetime | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, sub: Subscription) -> WebhookRead:
        return cls(
            id=sub.id,
            url=sub.url,
            description=sub.description,
            filters=WebhookFilters.of(sub.filters),
            status=sub.status,
            disabled_reason=sub.disabled_reason,
            failing_since=sub.failing_since,
            created_at=sub.created_at,
            updated_at=sub.updated_at,
        )


class WebhookCreated(WebhookRead):
    secret: str = Field(description="whsec_…: shown this once; keep it to verify signatures")


class SecretRotated(BaseModel):
    secret: str = Field(
        description="the new whsec_ secret; the previous one signs for 24 more hours"
    )
    previous_valid_until: datetime


class WebhookList(BaseModel):
    items: list[WebhookRead]


class Ping(BaseModel):
    webhook_id: str = Field(description="the webhook-id header the test event will carry")


class AttemptRead(BaseModel):
    message_id: str
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None = None
    excerpt: str | None = Field(default=None, description="the response's first 1,024 characters")


class AttemptPage(BaseModel):
    items: list[AttemptRead]
    next_cursor: str | None = None


class ReplayRequest(BaseModel):
    """A range by time (received) or by position in this service's event log."""

    model_config = ConfigDict(extra="forbid")

    since: datetime | None = None
    until: datetime | None = None
    from_position: int | None = Field(default=None, ge=1)
    to_position: int | None = Field(default=None, ge=1)


class ReplayAccepted(BaseModel):
    queued: int


class FeedItem(BaseModel):
    position: int
    event: dict[str, Any] = Field(description="the CloudEvent, as delivered")


class FeedPage(BaseModel):
    items: list[FeedItem]
    next_cursor: str | None = None
