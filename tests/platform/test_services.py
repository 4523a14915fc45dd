"""Each service describes itself; the platform, the stack and the gateway agree on the list."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from streetlevel.common.settings import CommonSettings
from streetlevel.gateway.routing import ROUTES
from streetlevel.platform.services import GATEWAY, SERVICES, SITE, by_name

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists())


def test_every_service_under_services_has_a_descriptor_the_platform_lists() -> None:
    present = {p.name for p in (ROOT / "services").iterdir() if (p / "src").is_dir()}
    assert {d.name for d in (*SERVICES, GATEWAY, SITE)} == present


def test_the_site_keeps_no_database_and_is_routed_by_no_prefix() -> None:
    assert SITE.name == "web"
    assert SITE.migrate is None
    assert SITE.prefixes == ()
    assert SITE.factory == "streetlevel.web.app:create_app"
    assert by_name("web") is SITE


def test_a_descriptor_names_its_own_package_factory_settings_and_prefixes() -> None:
    for descriptor in (*SERVICES, GATEWAY):
        package = f"streetlevel.{descriptor.name}"
        assert descriptor.factory == f"{package}.app:create_app"
        assert descriptor.settings.__module__ == f"{package}.settings"
        assert issubclass(descriptor.settings, CommonSettings)
        assert descriptor.env_prefix == descriptor.name.upper() + "_"
        assert descriptor.prefixes
        assert all(p.startswith("/") for p in descriptor.prefixes)
        assert by_name(descriptor.name) is descriptor


def test_the_distributed_gateway_routes_each_service_under_its_own_prefixes() -> None:
    # The gateway imports no service, so it keeps a table; it must say what the services say.
    assert {d.name: d.prefixes for d in SERVICES} == ROUTES


def test_no_two_services_claim_the_same_prefix() -> None:
    prefixes = [p for d in (*SERVICES, GATEWAY) for p in d.prefixes]
    assert len(prefixes) == len(set(prefixes))


def test_an_unknown_service_is_a_lookup_error_naming_the_known_ones() -> None:
    with pytest.raises(LookupError, match="registry"):
        by_name("widgets")


def test_nothing_finds_a_service_by_importing_its_name() -> None:
    # Embedded mode, the CLI and the stack read the descriptors; no import by a built string.
    sources = [
        *(ROOT / "platform" / "src").rglob("*.py"),
        *(ROOT / "services").glob("*/src/**/*.py"),
    ]
    sources += [ROOT / "scripts" / "stack.py"]
    for path in sources:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "import_module":
                raise AssertionError(f"{path.relative_to(ROOT)}:{node.lineno} imports by name")
