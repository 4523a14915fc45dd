"""The gateway's factory: it routes to what it is given and never finds services itself."""

from __future__ import annotations

import pytest

from streetlevel.gateway.app import SERVICE, create_app
from streetlevel.gateway.routing import ROUTES


def test_an_embedded_gateway_without_services_points_to_the_platform(tmp_path, kit) -> None:
    with pytest.raises(ValueError, match="streetlevel serve"):
        create_app(kit.settings(tmp_path))


def test_a_distributed_gateway_routes_to_every_service_at_its_configured_url(tmp_path, kit) -> None:
    settings = kit.settings(
        tmp_path,
        mode="distributed",
        registry_url="http://registry.internal:8000",
        commissioning_url="http://commissioning.internal:8000",
        outcomes_url="http://outcomes.internal:8000",
        notifications_url="http://notifications.internal:8000",
    )
    gateway = create_app(settings).gateway
    assert {(s.name, s.url, s.prefixes) for s in gateway.services} == {
        (name, f"http://{name}.internal:8000", prefixes) for name, prefixes in ROUTES.items()
    }
    assert all(s.app is None for s in gateway.services)


def test_the_gateway_describes_itself_with_its_own_routes() -> None:
    assert SERVICE.name == "gateway"
    assert SERVICE.factory == "streetlevel.gateway.app:create_app"
    assert "/oauth" in SERVICE.prefixes
    assert SERVICE.env_prefix == "GATEWAY_"
