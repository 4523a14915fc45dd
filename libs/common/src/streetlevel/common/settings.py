"""Settings that fail fast: pydantic-settings with an env prefix per service, secrets from files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from streetlevel.common.events import DEFAULT_PUBLIC_BASE_URL

S = TypeVar("S", bound="CommonSettings")

PUBLIC_BASE_URL_ENV = "STREETLEVEL_PUBLIC_BASE_URL"


def check_public_base_url(value: str) -> str:
    """An absolute http(s) URL without query, fragment or credentials; no trailing slash."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"public_base_url must be an absolute http(s) URL, not {value!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("public_base_url takes no query, fragment or credentials")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise ValueError(f"public_base_url has a malformed port: {value!r}") from exc
    return value.strip().rstrip("/")


class CommonSettings(BaseSettings):
    """What every service needs; a service subclasses it with its own ``env_prefix``."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = "service"
    environment: Literal["development", "test", "production"] = "development"
    database_url: str = Field(
        default="sqlite+aiosqlite:///./.streetlevel/service.db",
        description="sqlite+aiosqlite:///path or postgresql+asyncpg://user:pass@host/db",
    )
    database_direct_url: str | None = Field(
        default=None,
        description="direct (not pooled) connection for the relay lease and LISTEN; "
        "defaults to database_url",
    )
    database_pool_size: int = Field(default=10, ge=1, le=200)
    bus: Literal["memory", "kafka"] = "memory"
    kafka_bootstrap_servers: str = ""
    kafka_create_topics: bool = True
    kafka_topic_partitions: int = Field(default=3, ge=1, le=1000)
    kafka_topic_replication: int = Field(default=1, ge=1, le=7)
    kafka_topic_prefix: str = ""
    kafka_client_id: str | None = None
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None
    kafka_fetch_max_wait_ms: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="longest a consumer's fetch waits at the broker for new records",
    )
    consumer_max_retries: int = Field(default=3, ge=1, le=100)
    outbox_poll_interval_s: float = Field(default=1.0, gt=0, le=60)
    outbox_batch_size: int = Field(default=500, ge=1, le=10_000)
    outbox_retention_hours: float = Field(default=72, gt=0)
    outbox_relay_thread: bool = Field(
        default=False,
        description="with Kafka on PostgreSQL, run the outbox relay on an event loop of its own "
        "in a thread of the service (its own lease connection and producer), so that its steps "
        "do not queue behind requests: about half the commit-to-applied latency at 500 "
        "writes/s, no consistent gain at 50/s (docs/benchmarks.md)",
    )
    jwt_issuer: str = "https://streetlevel.local"
    jwt_audience: str = "streetlevel"
    jwks_url: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool | None = Field(
        default=None,
        description="true: JSON lines; false: human-readable console lines; "
        "unset: console on a terminal, JSON everywhere else",
    )
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    http_edge: bool = Field(
        default=True,
        description="HEAD, OPTIONS, ETags with 304, compression and auth-before-body "
        "(docs/http.md); off only to measure what they cost",
    )
    gzip_min_bytes: int = Field(default=1024, ge=0, description="smallest body worth gzip")
    gzip_level: int = Field(default=6, ge=1, le=9, description="gzip level of whole bodies")
    gzip_stream_level: int = Field(default=1, ge=1, le=9, description="gzip level of streams")
    public_base_url: str = Field(
        default="",
        description="the platform's public base URL (the gateway as the world reaches it); "
        "every absolute URL in events, OCDS and Link headers starts with it. Default: "
        f"${PUBLIC_BASE_URL_ENV}, else {DEFAULT_PUBLIC_BASE_URL} outside production; "
        "required (https) in production",
    )

    @model_validator(mode="before")
    @classmethod
    def _shared_public_base_url(cls, data: object) -> object:
        # One platform-wide variable feeds every service; a service's own variable wins.
        if isinstance(data, dict) and not data.get("public_base_url"):
            shared = os.environ.get(PUBLIC_BASE_URL_ENV, "")
            data["public_base_url"] = shared or cls.default_public_base_url(data)
        return data

    @classmethod
    def default_public_base_url(cls, data: dict[str, Any]) -> str:
        """The base URL when none is configured ("" in production: it must be set)."""
        return "" if data.get("environment") == "production" else DEFAULT_PUBLIC_BASE_URL

    @field_validator("public_base_url")
    @classmethod
    def _valid_public_base_url(cls, value: str) -> str:
        return check_public_base_url(value) if value else value

    clock_offset_s: float = Field(
        default=0,
        ge=0,
        description="run this many seconds ahead of real time (rehearsals and tests only: "
        "the database clock is shifted alike; refused in production)",
    )

    @model_validator(mode="after")
    def _check_consistency(self) -> CommonSettings:
        if not self.public_base_url:
            raise ValueError(
                f"public_base_url is required in production (or {PUBLIC_BASE_URL_ENV}): "
                "the https URL the platform is published at"
            )
        if self.environment == "production" and not self.public_base_url.startswith("https://"):
            raise ValueError("public_base_url must be https in production")
        if not self.database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("database_url must use sqlite+aiosqlite:// or postgresql+asyncpg://")
        if self.bus == "kafka" and not self.kafka_bootstrap_servers:
            raise ValueError("bus=kafka needs kafka_bootstrap_servers")
        if self.kafka_security_protocol.startswith("SASL") and not (
            self.kafka_sasl_username and self.kafka_sasl_password
        ):
            raise ValueError("SASL needs kafka_sasl_username and kafka_sasl_password")
        if self.clock_offset_s and self.environment == "production":
            raise ValueError("clock_offset_s is for rehearsals and tests, never production")
        if self.bus == "kafka" and self.is_sqlite:
            raise ValueError("bus=kafka needs PostgreSQL (the relay lease is an advisory lock)")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def kafka_options(self) -> dict[str, Any]:
        """Connection options for every aiokafka client (producer, consumer, admin)."""
        options: dict[str, Any] = {"security_protocol": self.kafka_security_protocol}
        if self.kafka_security_protocol.startswith("SASL"):
            assert self.kafka_sasl_password is not None
            options.update(
                sasl_mechanism=self.kafka_sasl_mechanism,
                sasl_plain_username=self.kafka_sasl_username,
                sasl_plain_password=self.kafka_sasl_password.get_secret_value(),
            )
        if self.kafka_security_protocol.endswith("SSL"):
            import ssl

            options["ssl_context"] = ssl.create_default_context(cafile=self.kafka_ssl_cafile)
        return options

    @property
    def direct_url(self) -> str:
        return self.database_direct_url or self.database_url


def load_settings(cls: type[S], **overrides: Any) -> S:
    """Build settings from env and files; secrets may live in ``$STREETLEVEL_SECRETS_DIR``.

    A misconfiguration raises here, at start-up, never on the first request.
    """
    secrets_dir = os.environ.get("STREETLEVEL_SECRETS_DIR")
    if secrets_dir:
        if not Path(secrets_dir).is_dir():
            raise ValueError(f"STREETLEVEL_SECRETS_DIR={secrets_dir} is not a directory")
        return cls(_secrets_dir=secrets_dir, **overrides)
    return cls(**overrides)


AREAS_FILE_ENV = "STREETLEVEL_AREAS_FILE"
COUNTIES_FILE_ENV = "STREETLEVEL_COUNTIES_FILE"


class AreaFilesSettings(CommonSettings):
    """The area reference files, for every service that needs areas; one platform-wide default.

    A service's own variable (e.g. ``REGISTRY_AREAS_FILE``) wins over ``STREETLEVEL_AREAS_FILE``.
    """

    areas_file: Path | None = Field(
        default=None,
        description="ONS LSOA→ward→LAD best-fit lookup CSV, or a code,name,type,parent_code "
        f"list (default: ${AREAS_FILE_ENV})",
    )
    counties_file: Path | None = Field(
        default=None,
        description=f"optional LAD24CD,LAD24NM,county_code,county_name list "
        f"(default: ${COUNTIES_FILE_ENV})",
    )

    @model_validator(mode="before")
    @classmethod
    def _shared_area_files(cls, data: object) -> object:
        # The platform-wide variables let one setting feed every service that needs areas.
        if isinstance(data, dict):
            for key, env in (("areas_file", AREAS_FILE_ENV), ("counties_file", COUNTIES_FILE_ENV)):
                if not data.get(key) and os.environ.get(env):
                    data[key] = os.environ[env]
        return data
