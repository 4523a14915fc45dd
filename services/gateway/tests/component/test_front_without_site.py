"""A gateway on its own (no platform, no site) answers a browser's ``/`` with the front door."""

from __future__ import annotations

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_a_gateway_given_its_services_serves_no_site(gateway_factory) -> None:
    async with gateway_factory() as gw:
        page = await gw.http.get("/", headers={"Accept": BROWSER})
        assert page.status_code == 200
        assert "Street Level API" in page.text
        assert (
            await gw.http.get("/areas/E05015186", headers={"Accept": BROWSER})
        ).status_code == 404
