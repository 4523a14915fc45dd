"""The embedded platform serves the public site in its process (platform/site.py)."""

from __future__ import annotations

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_a_browser_gets_the_site_and_a_program_the_api_index_at_the_root(
    platform_factory,
) -> None:
    async with platform_factory() as gw:
        home = await gw.http.get("/", headers={"Accept": BROWSER})
        assert home.status_code == 200
        assert "Find what is happening in your neighbourhood" in home.text
        assert "script-src" not in home.headers["content-security-policy"]
        index = await gw.http.get("/", headers={"Accept": "application/json"})
        assert index.json()["name"] == "Street Level API"
        curl = await gw.http.get("/", headers={"Accept": "*/*"})
        assert curl.headers["content-type"] == "application/json"
        developers = await gw.http.get("/developers", headers={"Accept": BROWSER})
        assert "Street Level API" in developers.text
        ward = await gw.http.get("/areas/E05015186", headers={"Accept": BROWSER})
        assert ward.status_code == 200
        assert "<h1>Anchorsholme</h1>" in ward.text
        assert (await gw.http.get("/site.css")).headers["content-type"].startswith("text/css")
        # The API is untouched by the site's paths.
        area = await gw.http.get("/v1/areas/E05015186")
        assert area.json()["name"] == "Anchorsholme"
