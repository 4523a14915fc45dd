"""The webhook subscription: its endpoint, filters, state and signing secrets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from streetlevel.common.events import Aggregate
from streetlevel.notifications.domain.events import WebhookDisabled
from streetlevel.notifications.domain.signing import new_secret

Status = Literal["active", "paused", "disabled"]
#: Old and new secrets both sign for this long after a rotation.
ROTATION_OVERLAP = timedelta(hours=24)


@dataclass(frozen=True)
class Filters:
    """What a subscription wants: event types and, optionally, where and about what."""

    event_types: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    commission_id: str | None = None
    contract_id: str | None = None


@dataclass(frozen=True)
class Secret:
    """A signing secret; ``expires_at`` is set on the old one when a rotation starts."""

    value: str
    expires_at: datetime | None = None

    def valid_at(self, now: datetime) -> bool:
        return self.expires_at is None or now < self.expires_at


@dataclass(eq=False, kw_only=True)
class Subscription(Aggregate):
    """A principal's HTTPS endpoint; ``owner`` is the audience key of that principal."""

    id: str
    owner: str
    url: str
    filters: Filters
    created_at: datetime
    updated_at: datetime
    description: str = ""
    status: Status = "active"
    disabled_reason: str | None = None
    failing_since: datetime | None = None
    secrets: list[Secret] = field(default_factory=list)

    @classmethod
    def create(
        cls, *, id: str, owner: str, url: str, filters: Filters, description: str, now: datetime
    ) -> Subscription:
        return cls(
            id=id,
            owner=owner,
            url=url,
            filters=filters,
            description=description,
            created_at=now,
            updated_at=now,
            secrets=[Secret(new_secret())],
            version=1,
        )

    @property
    def current_secret(self) -> str:
        return self.secrets[-1].value

    def signing_secrets(self, now: datetime) -> list[str]:
        """Every secret still valid: the new one last, the old one until its overlap ends."""
        return [s.value for s in self.secrets if s.valid_at(now)]

    def rotate_secret(self, now: datetime) -> str:
        """A new secret; the current one keeps signing for ``ROTATION_OVERLAP``."""
        kept = [
            s if s.expires_at is not None else Secret(s.value, now + ROTATION_OVERLAP)
            for s in self.secrets
            if s.valid_at(now)
        ]
        self.secrets = [*kept, Secret(new_secret())]
        self._touch(now)
        return self.current_secret

    def change(
        self,
        *,
        now: datetime,
        url: str | None = None,
        description: str | None = None,
        filters: Filters | None = None,
        status: Literal["active", "paused"] | None = None,
    ) -> None:
        """Edit the endpoint; setting ``active`` again also re-enables a disabled one."""
        if url is not None:
            self.url = url
        if description is not None:
            self.description = description
        if filters is not None:
            self.filters = filters
        if status is not None:
            self.status = status
            if status == "active":
                self.disabled_reason = None
                self.failing_since = None
        self._touch(now)

    def delivered(self, now: datetime) -> None:
        self.failing_since = None

    def failed(self, now: datetime) -> None:
        if self.failing_since is None:
            self.failing_since = now

    def disable(self, reason: str, now: datetime) -> None:
        """Stop delivering; the owner learns it from an event on its private feed."""
        if self.status == "disabled":
            return
        self.status = "disabled"
        self.disabled_reason = reason
        self.updated_at = now  # record() below moves the version on
        self.record(
            WebhookDisabled(webhook_id=self.id, url=self.url, reason=reason, owner=self.owner),
            subject=f"webhook/{self.id}",
        )

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1
