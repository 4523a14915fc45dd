"""Registry settings: the common ones plus the area reference files, env prefix REGISTRY_."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from streetlevel.common.settings import AreaFilesSettings


class RegistrySettings(AreaFilesSettings):
    """Settings of the registry service (``REGISTRY_DATABASE_URL``, ``REGISTRY_BUS``, ...)."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    service_name: str = "registry"
    database_url: str = "sqlite+aiosqlite:///./.streetlevel/registry.db"
