"""The theme promise on the native stack and in embedded mode: one vocabulary, the registry's."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest
from streetlevel_e2e_harness.actors import Cast, cast_from_admin
from streetlevel_e2e_harness.api import Actor, Api
from streetlevel_e2e_harness.platform import GEOGRAPHY, Platform
from streetlevel_e2e_harness.themes import enterprise_finds_work_in_its_ward_and_theme

from streetlevel.gateway.settings import GatewaySettings
from streetlevel.platform.embedded import create_app
from streetlevel.testing.lifespan import LifespanManager


@pytest.mark.timeout(240)
async def test_an_enterprise_finds_work_in_its_ward_and_theme_across_the_services(
    gateway: Api, cast: Cast, platform: Platform
) -> None:
    await enterprise_finds_work_in_its_ward_and_theme(gateway, cast, platform.now())


@pytest.mark.timeout(240)
async def test_the_embedded_platform_keeps_the_same_theme_promise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREETLEVEL_AREAS_FILE", str(GEOGRAPHY / "areas.csv"))
    monkeypatch.setenv("STREETLEVEL_COUNTIES_FILE", str(GEOGRAPHY / "lads_england_2024.csv"))
    # The story's tender closes in seconds (Part 6 sets no minimum period below threshold).
    monkeypatch.setenv("COMMISSIONING_BELOW_THRESHOLD_TENDERING_DAYS", "0")
    settings = GatewaySettings(
        data_dir=tmp_path, mode="embedded", server_key="embedded-themes-key", key_publish_lead_s=0
    )
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx2.ASGITransport(app=app, client=("198.51.100.9", 5000))
        api = Api.over("http://embedded.test", transport=transport)
        try:
            client, secret = await app.gateway.clients.create(kind="registrar", name="operator")
            admin = Actor("registrar", "registrar", client.id, secret)
            cast = await cast_from_admin(api, admin, known_councils=set())
            now = app.service_clock.now()
            await enterprise_finds_work_in_its_ward_and_theme(api, cast, now)
        finally:
            await api.close()
