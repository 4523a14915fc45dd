"""Notifications settings: env prefix ``NOTIFICATIONS_``; area files default to the platform's."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from streetlevel.common.settings import AreaFilesSettings


class NotificationsSettings(AreaFilesSettings):
    """What the notifications service needs on top of the common settings."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore", frozen=True)

    service_name: str = "notifications"
    database_url: str = "sqlite+aiosqlite:///./.streetlevel/notifications.db"
    migrate_on_start: bool = Field(
        default=False, description="apply Alembic migrations in the lifespan (embedded, tests)"
    )
    max_webhooks_per_principal: int = Field(default=25, ge=1, le=1000)
    delivery_worker: bool = Field(default=True, description="run the delivery worker here")
    delivery_concurrency: int = Field(default=256, ge=1, le=10_000)
    delivery_per_endpoint: int = Field(default=4, ge=1, le=100)
    delivery_batch_size: int = Field(default=500, ge=1, le=10_000)
    delivery_poll_interval_s: float = Field(default=0.1, gt=0, le=60)
    delivery_claim_s: float = Field(
        default=60, gt=0, description="a claimed delivery is tried again after this if unanswered"
    )
    connect_timeout_s: float = Field(default=5.0, gt=0, le=30)
    read_timeout_s: float = Field(default=10.0, gt=0, le=30)
    test_loopback_targets: bool = Field(
        default=False,
        description="TESTS ONLY: accept http:// and loopback receivers; refused in production",
    )

    @model_validator(mode="after")
    def _no_loopback_in_production(self) -> Self:
        if self.test_loopback_targets and self.environment == "production":
            raise ValueError("test_loopback_targets cannot be enabled in production")
        return self
