"""Settings of the public site (``WEB_GATEWAY_URL``, ``WEB_CACHE_TTL_S``, ...)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from streetlevel.common.settings import CommonSettings


class WebSettings(CommonSettings):
    """The site reads the public API through the gateway and keeps nothing but a small cache."""

    model_config = SettingsConfigDict(env_prefix="WEB_", extra="ignore", frozen=True)

    service_name: str = "web"
    gateway_url: str = Field(
        default="http://127.0.0.1:8000",
        description="the gateway the site reads from (its only upstream)",
    )
    gateway_timeout_s: float = Field(default=5.0, gt=0, le=60)
    cache_entries: int = Field(default=512, ge=1, le=100_000)
    cache_ttl_s: float = Field(
        default=10.0,
        ge=0,
        description="how long a gateway answer is reused without asking; after that it is "
        "revalidated with If-None-Match",
    )
    feed_scan_events: int = Field(
        default=2000,
        ge=100,
        le=100_000,
        description="how many of the change feed's most recent events an area's Atom feed reads",
    )
    feed_entries: int = Field(default=50, ge=1, le=500)

    site_url: str = Field(
        default="",
        description="the site's own public URL (Atom links); default: the platform's "
        "public base URL, as when the site and the API share one origin",
    )

    def site_base(self) -> str:
        return (self.site_url or self.public_base_url).rstrip("/")
