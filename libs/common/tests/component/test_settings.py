"""Settings fail fast at construction and read a service's env prefix and secret files."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from streetlevel.common.settings import AreaFilesSettings, CommonSettings, load_settings

PG = "postgresql+asyncpg://svc:pw@db.internal:5432/svc"
SQLITE = "sqlite+aiosqlite:///./svc.db"


class SvcSettings(CommonSettings):
    """A service's settings, as every service declares them."""

    model_config = SettingsConfigDict(env_prefix="TESTSVC_", extra="ignore", frozen=True)

    client_secret_key: str = ""


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STREETLEVEL_SECRETS_DIR", raising=False)


def test_the_defaults_run_embedded() -> None:
    settings = SvcSettings()

    assert settings.bus == "memory"
    assert settings.is_sqlite
    assert settings.direct_url == settings.database_url


def test_kafka_without_bootstrap_servers_fails_at_construction() -> None:
    with pytest.raises(ValidationError, match="kafka_bootstrap_servers"):
        SvcSettings(bus="kafka", database_url=PG)


def test_kafka_with_sqlite_fails_at_construction() -> None:
    with pytest.raises(ValidationError, match="PostgreSQL"):
        SvcSettings(bus="kafka", kafka_bootstrap_servers="k:9092", database_url=SQLITE)


def test_kafka_with_postgresql_is_accepted() -> None:
    settings = SvcSettings(bus="kafka", kafka_bootstrap_servers="k:9092", database_url=PG)

    assert not settings.is_sqlite
    assert settings.direct_url == PG


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://svc@db/svc",
        "postgresql+psycopg://svc@db/svc",
        "sqlite:///./svc.db",
        "mysql+aiomysql://svc@db/svc",
        "",
    ],
)
def test_a_database_url_with_another_scheme_fails(url: str) -> None:
    with pytest.raises(ValidationError, match="database_url"):
        SvcSettings(database_url=url)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("database_pool_size", 0),
        ("environment", "staging"),
        ("log_level", "TRACE"),
        ("max_body_bytes", 10),
        ("outbox_poll_interval_s", 0),
    ],
)
def test_an_out_of_range_value_fails(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match=field):
        SvcSettings.model_validate({field: value})


def test_settings_are_frozen() -> None:
    settings = SvcSettings()

    with pytest.raises(ValidationError):
        settings.bus = "kafka"  # type: ignore[misc]


def test_the_environment_is_read_under_the_service_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESTSVC_DATABASE_URL", PG)
    monkeypatch.setenv("TESTSVC_BUS", "kafka")
    monkeypatch.setenv("TESTSVC_KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092")
    monkeypatch.setenv("OTHERSVC_LOG_LEVEL", "DEBUG")

    settings = load_settings(SvcSettings)

    assert settings.database_url == PG
    assert settings.bus == "kafka"
    assert settings.kafka_bootstrap_servers == "k1:9092,k2:9092"
    assert settings.log_level == "INFO"


def test_a_bad_environment_fails_when_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESTSVC_BUS", "kafka")

    with pytest.raises(ValidationError, match="kafka_bootstrap_servers"):
        load_settings(SvcSettings)


def test_secrets_are_read_from_the_secrets_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "TESTSVC_CLIENT_SECRET_KEY").write_text("s3cret-from-file")
    (tmp_path / "TESTSVC_DATABASE_URL").write_text(PG)
    monkeypatch.setenv("STREETLEVEL_SECRETS_DIR", str(tmp_path))

    settings = load_settings(SvcSettings)

    assert settings.client_secret_key == "s3cret-from-file"
    assert settings.database_url == PG


def test_the_environment_and_overrides_win_over_secret_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "TESTSVC_CLIENT_SECRET_KEY").write_text("from-file")
    (tmp_path / "TESTSVC_SERVICE_NAME").write_text("from-file")
    monkeypatch.setenv("STREETLEVEL_SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("TESTSVC_CLIENT_SECRET_KEY", "from-env")

    settings = load_settings(SvcSettings, service_name="from-override")

    assert settings.client_secret_key == "from-env"
    assert settings.service_name == "from-override"


def test_a_bad_secret_file_fails_when_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "TESTSVC_DATABASE_URL").write_text("mysql://nope")
    monkeypatch.setenv("STREETLEVEL_SECRETS_DIR", str(tmp_path))

    with pytest.raises(ValidationError, match="database_url"):
        load_settings(SvcSettings)


def test_the_public_base_url_defaults_to_the_local_url_outside_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("STREETLEVEL_PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("TESTSVC_PUBLIC_BASE_URL", raising=False)

    assert SvcSettings().public_base_url == "http://127.0.0.1:8000"


def test_the_platform_wide_public_base_url_feeds_every_service_and_a_services_own_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STREETLEVEL_PUBLIC_BASE_URL", "https://api.example.org/")
    assert SvcSettings().public_base_url == "https://api.example.org"
    monkeypatch.setenv("TESTSVC_PUBLIC_BASE_URL", "https://svc.example.org/base")
    assert SvcSettings().public_base_url == "https://svc.example.org/base"


@pytest.mark.parametrize(
    "url",
    [
        "api.example.org",
        "ftp://api.example.org",
        "https://",
        "https://api.example.org/?page=1",
        "https://api.example.org/#top",
        "https://user:pw@api.example.org",
        "https://api.example.org:99999",
    ],
)
def test_a_malformed_public_base_url_fails_at_construction(url: str) -> None:
    with pytest.raises(ValidationError, match="public_base_url"):
        SvcSettings(public_base_url=url)


def test_production_requires_an_https_public_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STREETLEVEL_PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("TESTSVC_PUBLIC_BASE_URL", raising=False)
    with pytest.raises(ValidationError, match="required in production"):
        SvcSettings(environment="production")
    with pytest.raises(ValidationError, match="https"):
        SvcSettings(environment="production", public_base_url="http://api.example.org")
    settings = SvcSettings(environment="production", public_base_url="https://api.example.org")
    assert settings.public_base_url == "https://api.example.org"


def test_a_shifted_clock_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESTSVC_CLOCK_OFFSET_S", "86400")
    assert SvcSettings().clock_offset_s == 86400
    with pytest.raises(ValidationError, match="never production"):
        SvcSettings(environment="production", public_base_url="https://api.example.org")


class _AreaService(AreaFilesSettings):
    model_config = SettingsConfigDict(env_prefix="WIDGETS_", extra="ignore", frozen=True)


def test_area_files_default_to_the_platform_wide_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREETLEVEL_AREAS_FILE", "/data/areas.csv")
    monkeypatch.setenv("STREETLEVEL_COUNTIES_FILE", "/data/lads.csv")
    settings = _AreaService()
    assert settings.areas_file == Path("/data/areas.csv")
    assert settings.counties_file == Path("/data/lads.csv")


def test_a_services_own_area_file_wins_over_the_platform_wide_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STREETLEVEL_AREAS_FILE", "/data/areas.csv")
    monkeypatch.setenv("WIDGETS_AREAS_FILE", "/data/blackpool.csv")
    assert _AreaService().areas_file == Path("/data/blackpool.csv")
    assert _AreaService(areas_file="/given.csv").areas_file == Path("/given.csv")


def test_without_area_variables_there_are_no_area_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STREETLEVEL_COUNTIES_FILE", raising=False)
    monkeypatch.setenv("STREETLEVEL_AREAS_FILE", "")
    settings = _AreaService()
    assert (settings.areas_file, settings.counties_file) == (None, None)
