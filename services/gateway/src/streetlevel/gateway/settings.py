"""Gateway settings: identity, upstreams, limits, feed and run mode; env prefix GATEWAY_."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from streetlevel.common.settings import CommonSettings

DEFAULT_DATA_DIR = "./.streetlevel"


class GatewaySettings(CommonSettings):
    """Settings of the gateway (``GATEWAY_SERVER_KEY``, ``GATEWAY_REGISTRY_URL``, ...)."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", frozen=True)

    service_name: str = "gateway"
    mode: Literal["embedded", "distributed"] = "embedded"
    data_dir: Path = Field(
        default=Path(DEFAULT_DATA_DIR), description="default: $STREETLEVEL_DATA_DIR"
    )
    port: int = Field(default=8000, ge=1, le=65535, description="default: $STREETLEVEL_PORT")
    host: str = "127.0.0.1"
    database_url: str = ""
    server_key: SecretStr | None = Field(
        default=None,
        description="HMAC-SHA256 key for client secrets and key encryption (a file under "
        "$STREETLEVEL_SECRETS_DIR works); generated under data_dir in embedded mode",
    )
    token_lifetime_s: int = Field(default=300, ge=30, le=3600)
    key_publish_lead_s: float = Field(
        default=30.0,
        ge=0,
        description="a staged key is published this long before it may sign, so that "
        "verifiers caching the JWKS have picked it up",
    )
    key_rotation_days: float = Field(
        default=90.0,
        gt=0,
        description="an active signing key is due for rotation this long after it was "
        "activated (streetlevel_signing_key_rotation_due_seconds; the KeyRotationOverdue alert)",
    )
    jwks_min_refresh_s: float = Field(default=10.0, ge=0)
    keys_cache_s: float = Field(default=5.0, ge=0)
    registry_url: str = "http://127.0.0.1:8001"
    commissioning_url: str = "http://127.0.0.1:8002"
    outcomes_url: str = "http://127.0.0.1:8003"
    notifications_url: str = "http://127.0.0.1:8004"
    upstream_connect_timeout_s: float = Field(default=2.0, gt=0)
    upstream_read_timeout_s: float = Field(default=30.0, gt=0)
    upstream_retries: int = Field(default=2, ge=0, le=5)
    upstream_pool_size: int = Field(default=200, ge=1)
    breaker_failures: int = Field(default=5, ge=1)
    breaker_open_s: float = Field(default=10.0, gt=0)
    openapi_cache_s: float = Field(default=60.0, ge=0)
    rate_limit_anonymous: str = "600/minute"
    rate_limit_client: str = "1200/minute"
    rate_limit_oauth: str = "60/minute"
    redis_url: str | None = None
    feed_retention_days: float = Field(default=30.0, gt=0)
    feed_poll_s: float = Field(default=1.0, gt=0)
    feed_heartbeat_s: float = Field(default=15.0, gt=0)
    feed_lease_check_s: float = Field(default=2.0, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _platform_env(cls, data: object) -> object:
        # The platform-wide variables are shared with the CLI and the Makefile.
        if isinstance(data, dict):
            for key, env in (("data_dir", "STREETLEVEL_DATA_DIR"), ("port", "STREETLEVEL_PORT")):
                if data.get(key) in (None, "") and os.environ.get(env):
                    data[key] = os.environ[env]
            if not data.get("database_url"):
                data_dir = Path(str(data.get("data_dir") or DEFAULT_DATA_DIR))
                data["database_url"] = f"sqlite+aiosqlite:///{data_dir}/gateway.db"
        return data

    @model_validator(mode="after")
    def _server_key_in_production(self) -> GatewaySettings:
        if self.environment == "production" and self.server_key is None:
            raise ValueError("GATEWAY_SERVER_KEY is required in production")
        return self

    @classmethod
    def default_public_base_url(cls, data: dict[str, Any]) -> str:
        """Outside production: the local URL this gateway serves on."""
        if data.get("environment") == "production":
            return ""
        host = str(data.get("host") or "127.0.0.1")
        if host in ("0.0.0.0", "::"):  # all interfaces: loopback is one of them
            host = "127.0.0.1"
        port = data.get("port") or os.environ.get("STREETLEVEL_PORT") or 8000
        return f"http://{host}:{port}"

    def service_url(self, name: str) -> str:
        return str(getattr(self, f"{name}_url"))


def server_key(settings: GatewaySettings) -> bytes:
    """The server key; in embedded mode generated once and kept under the data dir."""
    if settings.server_key is not None:
        return settings.server_key.get_secret_value().encode()
    if settings.mode != "embedded":
        raise RuntimeError("GATEWAY_SERVER_KEY is required outside embedded mode")
    path = settings.data_dir / "server.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()
