"""The CLI acts on the gateway its environment names, and never on a stand-in it creates."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from streetlevel.platform.cli import TargetError, gateway_target, main, registry_target

PG = "postgresql+asyncpg://streetlevel@127.0.0.1:5999/gateway"
REGISTRY_PG = "postgresql+asyncpg://streetlevel@127.0.0.1:5999/registry"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No GATEWAY_*, REGISTRY_* or STREETLEVEL_* from the shell; cwd is an empty directory."""
    for key in list(os.environ):
        if key.startswith(("GATEWAY_", "REGISTRY_", "STREETLEVEL_")):
            monkeypatch.delenv(key)
    work = tmp_path / "checkout"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def secrets_dir(tmp_path: Path, **files: str) -> Path:
    path = tmp_path / "secrets"
    path.mkdir()
    for name, value in files.items():
        (path / name).write_text(value)
    return path


def test_without_configuration_the_cli_acts_on_the_embedded_platform(clean_env: Path) -> None:
    settings = gateway_target()
    assert settings.mode == "embedded"
    assert settings.database_url == "sqlite+aiosqlite:///.streetlevel/gateway.db"
    assert settings.server_key is None
    # Resolving creates nothing; only an action on the embedded platform does.
    assert list(clean_env.iterdir()) == []


def test_distributed_mode_without_a_database_url_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GATEWAY_MODE", "distributed")
    monkeypatch.setenv("GATEWAY_SERVER_KEY", "k" * 48)
    with pytest.raises(TargetError, match="GATEWAY_DATABASE_URL"):
        gateway_target()


def test_a_distributed_gateway_without_its_server_key_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GATEWAY_MODE", "distributed")
    monkeypatch.setenv("GATEWAY_DATABASE_URL", PG)
    with pytest.raises(TargetError, match="server key"):
        gateway_target()


def test_a_postgres_database_without_a_key_gets_no_generated_key_even_in_embedded_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", PG)
    with pytest.raises(TargetError, match="refusing to generate"):
        gateway_target()


def test_an_embedded_postgres_setup_keeps_the_key_its_server_generated(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "server.key").write_text("generated-by-streetlevel-serve")
    monkeypatch.setenv("STREETLEVEL_DATA_DIR", str(data))
    monkeypatch.setenv("GATEWAY_DATABASE_URL", PG)
    assert gateway_target().database_url == PG


def test_the_stack_env_names_resolve_to_the_stacks_database_and_key_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = "s" * 64
    monkeypatch.setenv("GATEWAY_MODE", "distributed")
    monkeypatch.setenv("GATEWAY_DATABASE_URL", PG)
    keys = secrets_dir(tmp_path, gateway_server_key=key)
    monkeypatch.setenv("STREETLEVEL_SECRETS_DIR", str(keys))
    settings = gateway_target()
    assert settings.mode == "distributed"
    assert settings.database_url == PG
    assert settings.server_key is not None
    assert settings.server_key.get_secret_value() == key


def test_areas_go_to_the_registry_database_the_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GATEWAY_MODE", "distributed")
    monkeypatch.setenv("GATEWAY_DATABASE_URL", PG)
    monkeypatch.setenv("GATEWAY_SERVER_KEY", "k" * 48)
    gateway = gateway_target()
    with pytest.raises(TargetError, match="REGISTRY_DATABASE_URL"):
        registry_target(gateway)
    monkeypatch.setenv("REGISTRY_DATABASE_URL", REGISTRY_PG)
    assert registry_target(gateway).database_url == REGISTRY_PG


def test_embedded_areas_go_to_the_registry_file_in_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STREETLEVEL_DATA_DIR", str(tmp_path))
    # A registry URL in the shell does not redirect the embedded platform's areas.
    monkeypatch.setenv("REGISTRY_DATABASE_URL", REGISTRY_PG)
    target = registry_target(gateway_target())
    assert target.database_url == f"sqlite+aiosqlite:///{tmp_path}/registry.db"


@pytest.mark.parametrize(
    "argv",
    [["clients", "create", "--kind", "enterprise"], ["keys", "list"], ["areas", "load", "x.csv"]],
)
def test_the_cli_exits_non_zero_and_creates_nothing_when_pointed_at_a_distributed_gateway(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clean_env: Path,
    argv: list[str],
) -> None:
    monkeypatch.setenv("GATEWAY_MODE", "distributed")
    assert main(argv) == 2
    err = capsys.readouterr()
    assert "streetlevel: error:" in err.err
    assert "stack.env" in err.err
    assert err.out == ""
    assert list(clean_env.iterdir()) == []


def test_settings_that_fail_validation_are_an_error_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("STREETLEVEL_SECRETS_DIR", str(tmp_path / "gone"))
    assert main(["clients", "list"]) == 2
    assert "is not a directory" in capsys.readouterr().err
