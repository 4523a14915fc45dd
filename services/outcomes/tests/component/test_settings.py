"""Settings: the OUTCOMES_ prefix, platform-wide area files, failing fast."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from streetlevel.outcomes.settings import OutcomesSettings


def test_area_files_default_to_the_platform_wide_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREETLEVEL_AREAS_FILE", "/data/areas.csv")
    monkeypatch.setenv("STREETLEVEL_COUNTIES_FILE", "/data/lads.csv")
    settings = OutcomesSettings()
    assert (settings.areas_file, settings.counties_file) == (
        Path("/data/areas.csv"),
        Path("/data/lads.csv"),
    )
    assert settings.service_name == "outcomes"


def test_the_service_prefix_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREETLEVEL_AREAS_FILE", "/data/areas.csv")
    monkeypatch.setenv("OUTCOMES_AREAS_FILE", "/data/blackpool.csv")
    monkeypatch.setenv("OUTCOMES_DATABASE_URL", "postgresql+asyncpg://u:p@db/outcomes")
    settings = OutcomesSettings()
    assert settings.areas_file == Path("/data/blackpool.csv")
    assert settings.database_url == "postgresql+asyncpg://u:p@db/outcomes"


def test_a_kafka_bus_without_brokers_fails_at_start_up() -> None:
    with pytest.raises(ValidationError):
        OutcomesSettings(bus="kafka", database_url="postgresql+asyncpg://u:p@db/o")
