"""/docs and /redoc load only what the gateway serves, under a strict Content-Security-Policy."""

from __future__ import annotations

import re

from streetlevel.gateway.api.assets import ASSETS

URL_ATTRIBUTES = re.compile(r'\b(?:src|href|spec-url|data-openapi-url)="([^"]*)"')


def _csp(header: str) -> dict[str, list[str]]:
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


async def test_both_documentation_pages_reference_only_the_gateways_own_urls(
    gateway_factory,
) -> None:
    async with gateway_factory() as gw:
        for path in ("/docs", "/redoc"):
            page = await gw.http.get(path, headers={"Accept": "text/html"})
            assert page.status_code == 200, path
            assert page.headers["content-type"].startswith("text/html")
            urls = URL_ATTRIBUTES.findall(page.text)
            assert urls, path
            assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
            assert "/openapi.json" in urls
            assert f"/assets/{ASSETS.digest}/favicon.png" in urls
            # Every script is a served file: no inline script for the CSP to allow.
            assert re.findall(r"<script(?![^>]*\bsrc=)", page.text) == []


async def test_the_documentation_pages_send_a_strict_content_security_policy(
    gateway_factory,
) -> None:
    async with gateway_factory() as gw:
        for path in ("/docs", "/redoc"):
            csp = _csp((await gw.http.get(path)).headers["content-security-policy"])
            assert csp["default-src"] == ["'none'"]
            assert csp["script-src"] == ["'self'"]
            assert csp["connect-src"] == ["'self'"]
            assert csp["frame-ancestors"] == ["'none'"]
            assert csp["base-uri"] == ["'none'"]
            assert "'unsafe-inline'" not in csp["script-src"]
            for values in csp.values():
                assert not any(v.startswith(("http", "*")) for v in values), csp


async def test_only_redoc_may_apply_inline_styles(gateway_factory) -> None:
    async with gateway_factory() as gw:
        swagger = _csp((await gw.http.get("/docs")).headers["content-security-policy"])
        redoc = _csp((await gw.http.get("/redoc")).headers["content-security-policy"])
        assert swagger["style-src"] == ["'self'"]
        assert "worker-src" not in swagger
        assert redoc["style-src"] == ["'self'", "'unsafe-inline'"]


async def test_every_asset_is_served_with_a_year_of_cache_and_an_etag(gateway_factory) -> None:
    async with gateway_factory() as gw:
        types = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
        for name in ASSETS.files:
            response = await gw.http.get(ASSETS.url(name))
            assert response.status_code == 200, name
            assert response.headers["content-type"].startswith(types[name[name.rindex(".") :]])
            assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert len(response.content) > 100
            again = await gw.http.get(
                ASSETS.url(name), headers={"If-None-Match": response.headers["etag"]}
            )
            assert again.status_code == 304
            assert again.content == b""


async def test_the_redoc_bundle_served_takes_nothing_from_a_cdn(gateway_factory) -> None:
    async with gateway_factory() as gw:
        bundle = await gw.http.get(ASSETS.url("redoc.standalone.js"))
        assert b"cdn.redoc.ly" not in bundle.content
        assert b"Redoc" in bundle.content


async def test_an_asset_under_an_old_digest_is_served_but_cached_briefly(gateway_factory) -> None:
    async with gateway_factory() as gw:
        stale = await gw.http.get("/assets/0123456789abcdef/swagger-init.js")
        assert stale.status_code == 200
        assert "SwaggerUIBundle" in stale.text
        assert stale.headers["cache-control"] == "public, max-age=60"


async def test_an_unknown_asset_is_a_404_problem(gateway_factory) -> None:
    async with gateway_factory() as gw:
        for path in (f"/assets/{ASSETS.digest}/nope.js", f"/assets/{ASSETS.digest}/..%2fapp.py"):
            missing = await gw.http.get(path)
            assert missing.status_code == 404, path
            assert missing.headers["content-type"].startswith("application/problem+json")
