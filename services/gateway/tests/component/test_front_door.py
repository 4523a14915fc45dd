"""GET / and /developers: a page for people, a JSON index for programs, chosen by Accept."""

from __future__ import annotations

import re
from typing import Any

import pytest

from streetlevel.gateway.api.frontdoor import HTML, JSON, LICENCE_URL, negotiate

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
REQUIRED_PATHS = (
    "/docs",
    "/redoc",
    "/openapi.json",
    "/v1/events",
    "/v1/enterprises/export?format=csv",
    "/v1/enterprises/export?format=ndjson",
    "/v1/enterprises/export?format=hsds",
    "/v1/reports/export?format=csv",
    "/v1/ocds/releases",
    "/.well-known/jwks.json",
    "/.well-known/oauth-authorization-server",
)


def vary(response: Any) -> set[str]:
    """The response's Vary members, however the headers were split."""
    return {v.strip() for line in response.headers.get_list("vary") for v in line.split(",")}


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (BROWSER, HTML),
        ("text/html", HTML),
        ("application/json", JSON),
        ("*/*", JSON),
        (None, JSON),
        ("", JSON),
        ("text/*", HTML),
        ("text/html;q=0.5, application/json", JSON),
        ("application/json;q=0, text/html;q=0.1", HTML),
        ("application/*;q=0.2, text/html;q=0.3", HTML),
        ("text/plain", JSON),
        ("garbage;;q=x, text/html;q=nope", JSON),
        ("TEXT/HTML", HTML),
    ],
)
def test_negotiation_picks_the_preferred_representation(accept: str | None, chosen: str) -> None:
    assert negotiate(accept, (JSON, HTML)) == chosen


async def test_a_browser_gets_a_short_page_with_every_entry_point_and_the_licence(
    gateway_factory,
) -> None:
    async with gateway_factory() as gw:
        for path in ("/", "/developers"):
            page = await gw.http.get(path, headers={"Accept": BROWSER})
            assert page.status_code == 200
            assert page.headers["content-type"].startswith("text/html")
            assert "Accept" in vary(page)
            hrefs = set(re.findall(r'href="([^"]*)"', page.text))
            for wanted in REQUIRED_PATHS:
                assert wanted in hrefs, (path, wanted)
            assert LICENCE_URL in hrefs
            assert "Open Government Licence v3.0" in page.text
            assert '<html lang="en">' in page.text
            assert page.text.count("<h1>") == 1
            assert "<script" not in page.text
            # Nothing the page loads comes from elsewhere (the licence is a link, not a load).
            loaded = re.findall(r'<link rel="(?:stylesheet|icon)"[^>]*href="([^"]*)"', page.text)
            assert loaded
            assert all(url.startswith("/assets/") for url in loaded)


async def test_the_front_door_page_allows_no_script_at_all(gateway_factory) -> None:
    async with gateway_factory() as gw:
        page = await gw.http.get("/developers", headers={"Accept": BROWSER})
        csp = page.headers["content-security-policy"]
        assert "default-src 'none'" in csp
        assert "script-src" not in csp  # falls back to default-src 'none'
        assert "style-src 'self'" in csp
        assert "unsafe-inline" not in csp


async def test_a_program_gets_the_same_links_as_a_json_index(gateway_factory) -> None:
    async with gateway_factory(public_base_url="http://gw.test") as gw:
        for path in ("/", "/developers"):
            index = await gw.http.get(path, headers={"Accept": "application/json"})
            assert index.status_code == 200
            assert index.headers["content-type"] == "application/json"
            assert "Accept" in vary(index)
            body = index.json()
            assert body["name"] == "Street Level API"
            assert body["version"] == "v1"
            assert body["licence"] == {"name": "Open Government Licence v3.0", "href": LICENCE_URL}
            hrefs = {link["href"] for link in body["links"].values()}
            for wanted in REQUIRED_PATHS:
                assert "http://gw.test" + wanted in hrefs
            for key, link in body["links"].items():
                assert re.fullmatch(r"[a-z_]+", key)
                assert set(link) == {"href", "title", "type"}
                assert link["href"].startswith("http://gw.test/")
        curl = await gw.http.get("/", headers={"Accept": "*/*"})
        assert curl.headers["content-type"] == "application/json"


async def test_the_index_uses_the_public_url_when_one_is_set(gateway_factory) -> None:
    async with gateway_factory(public_base_url="https://api.streetlevel.example/") as gw:
        body = (await gw.http.get("/", headers={"Accept": "application/json"})).json()
        assert body["links"]["docs"]["href"] == "https://api.streetlevel.example/docs"


async def test_the_page_and_the_index_offer_the_same_links(gateway_factory) -> None:
    async with gateway_factory(public_base_url="http://gw.test") as gw:
        page = (await gw.http.get("/developers", headers={"Accept": BROWSER})).text
        on_page = {
            href
            for href in re.findall(r'<a href="([^"]*)"', page)
            if href.startswith("/") and not href.startswith("/assets/")
        }
        index = (await gw.http.get("/developers", headers={"Accept": JSON})).json()
        in_index = {link["href"].removeprefix("http://gw.test") for link in index["links"].values()}
        assert on_page == in_index - {"/developers"}
        assert LICENCE_URL in re.findall(r'<a href="([^"]*)"', page)
