"""Registry settings: the common ones plus the area reference files, env prefix REGISTRY_."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from streetlevel.common.settings import CommonSettings


class RegistrySettings(CommonSettings):
    """Settings of the registry service (``REGISTRY_DATABASE_URL``, ``REGISTRY_BUS``, ...)."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    service_name: str = "registry"
    database_url: str = "sqlite+aiosqlite:///./.streetlevel/registry.db"
    areas_file: Path | None = Field(
        default=None,
        description="ONS LSOA→ward→LAD best-fit lookup CSV loaded at start-up when the area "
        "table is empty (default: $STREETLEVEL_AREAS_FILE)",
    )
    counties_file: Path | None = Field(
        default=None,
        description="optional LAD24CD,LAD24NM,county_code,county_name list "
        "(default: $STREETLEVEL_COUNTIES_FILE)",
    )

    @model_validator(mode="before")
    @classmethod
    def _shared_reference_files(cls, data: object) -> object:
        # The platform-wide variables let one setting feed every service that needs areas.
        if isinstance(data, dict):
            for key, env in (
                ("areas_file", "STREETLEVEL_AREAS_FILE"),
                ("counties_file", "STREETLEVEL_COUNTIES_FILE"),
            ):
                if data.get(key) is None and os.environ.get(env):
                    data[key] = os.environ[env]
        return data
