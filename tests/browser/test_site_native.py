"""The public site as its own process on the native stack, reading the distributed gateway.

The e2e harness's Blackpool world (a contract delivering in Anchorsholme, a verified count of 3
that disclosure control must hide) is shown by a site started like ``scripts/stack`` starts it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
import pytest_asyncio
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser

from streetlevel.testing._proc import InfraError
from streetlevel.testing.live import live_app

from .conftest import Server, Visit, guarded
from .keyboard import links_never_reached

WARD = "E05015186"
SENSITIVE_LSOA = "E01012664"  # the world's verified 3 (withheld) is reported here
FIGURE = re.compile(r'<td class="num" data-indicator="([^"]+)"[^>]*>([^<]*)</td>')
#: The area report's cells (social value cells carry no period).
REPORT = re.compile(
    r'<td class="num" data-indicator="([^"]+)" data-area="[^"]*" data-period="[^"]*">([^<]*)</td>'
)
NARROW = {"width": 320, "height": 640}
#: Whichever test runs first pays for the session's native stack and its world (as e2e's do).
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="session")
def native_site(
    platform: Any, world: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """``services/web`` as its own uvicorn process, its only upstream the stack's gateway."""
    log = tmp_path_factory.mktemp("native-site") / "web.log"
    env = {
        "WEB_GATEWAY_URL": platform.gateway_url,
        "WEB_PUBLIC_BASE_URL": platform.gateway_url,
        "WEB_LOG_JSON": "false",
        "WEB_LOG_LEVEL": "WARNING",
    }
    try:
        with live_app("streetlevel.web.app:create_app", env=env, log=log) as url:
            yield Server(url, log)
    except InfraError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def native_grant(gateway: Any, world: Any) -> dict[str, Any]:
    """A ward grant programme in the world's ward: a residents' vote, one grant paid upfront."""
    council, group = world.cast.blackpool, world.cast.enterprises["cic"]
    body = {
        "title": "Anchorsholme small grants (browser test)",
        "description": "Small grants for residents' projects",
        "areas": [WARD],
        "criteria": ["Residents benefit directly"],
        "budget": {"amount": "5000.00", "currency": "GBP"},
        "max_grant": {"amount": "1500.00", "currency": "GBP"},
    }
    programme = (await gateway.post("/v1/grant-programmes", council, json=body, expect=201)).json()
    form = {
        "programme_id": programme["id"],
        "amount_requested": {"amount": "1200.00", "currency": "GBP"},
        "purpose": "Bulb planting along the promenade",
        "people_reached": 40,
    }
    applied = (await gateway.post("/v1/grant-applications", group, json=form, expect=201)).json()
    vote = {
        "method": "residents_vote",
        "turnout": 97,
        "results": [
            {
                "application_id": applied["id"],
                "result": "awarded",
                "amount": {"amount": "1200.00", "currency": "GBP"},
                "votes": {"for": 81, "against": 16},
            }
        ],
    }
    path = f"/v1/grant-programmes/{programme['id']}/decisions"
    grant = (await gateway.post(path, council, json=vote, expect=201)).json()["grants"][0]
    paid = {"paid_on": grant["awarded_on"], "reference": "BPL-BROWSER-1"}
    await gateway.post(
        f"/v1/grants/{grant['id']}/instalments/1/paid", council, json=paid, expect=200
    )
    return {"programme": programme, "grant": grant}


@pytest.fixture(scope="session")
def native_kinds(native_site: Server, world: Any, native_grant: dict[str, Any]) -> dict[str, str]:
    return {
        "home": "/",
        "ward": f"/areas/{WARD}",
        "district": "/areas/E06000009",
        "lsoa": f"/areas/{SENSITIVE_LSOA}",
        "enterprise": f"/enterprises/{world.ids['enterprise_id']}",
        "commission": f"/commissions/{world.ids['commission_id']}",
        "open-data": "/open-data",
        "not-found": "/areas/E05999999",
    }


async def _open(visit: Visit, path: str, kind: str) -> str:
    response = await visit.page.goto(visit.origin + path, wait_until="networkidle")
    assert response is not None
    assert response.status == (404 if kind == "not-found" else 200), (kind, path)
    return await visit.page.content()


def _stayed_home(visit: Visit) -> None:
    assert visit.blocked == [], f"requests left the site: {visit.blocked}"
    assert visit.outside() == []
    errors = [e for e in visit.errors if "status of 404" not in e]
    assert errors == [], errors


async def test_native_every_page_kind_is_axe_clean_and_self_contained(
    browser: Browser, native_site: Server, native_kinds: dict[str, str]
) -> None:
    axe = Axe()
    async with guarded(browser, native_site.url) as visit:
        for kind, path in native_kinds.items():
            await _open(visit, path, kind)
            results = await axe.run(visit.page)
            await visit.screenshot(f"native-site-{kind}", full_page=True)
            assert results.violations_count == 0, (kind, results.generate_report())
        _stayed_home(visit)


async def test_native_pages_work_without_javascript_and_at_320_pixels(
    browser: Browser, native_site: Server, native_kinds: dict[str, str]
) -> None:
    async with guarded(browser, native_site.url, java_script_enabled=False) as visit:
        for kind, path in native_kinds.items():
            await _open(visit, path, kind)
            assert (await visit.page.text_content("h1") or "").strip(), kind
        _stayed_home(visit)
    async with guarded(browser, native_site.url, viewport=NARROW) as visit:
        for kind, path in native_kinds.items():
            await _open(visit, path, kind)
            width = await visit.page.evaluate("document.documentElement.scrollWidth")
            assert width <= NARROW["width"], (kind, width)
            await visit.screenshot(f"native-site-{kind}-320px", full_page=True)
        _stayed_home(visit)


async def test_native_the_keyboard_alone_reaches_every_link_of_the_area_page(
    browser: Browser, native_site: Server, native_kinds: dict[str, str]
) -> None:
    async with guarded(browser, native_site.url) as visit:
        await _open(visit, native_kinds["ward"], "ward")
        links, reached, missing = await links_never_reached(visit)
        assert len(links) > 20
        assert reached[0] == "#main", "the first tab stop is the skip link"
        assert missing == set(), f"links the keyboard never reached: {missing}"
        _stayed_home(visit)


async def test_native_ward_page_shows_the_public_report_and_never_a_count_of_1_to_4(
    browser: Browser, native_site: Server, native_kinds: dict[str, str], platform: Any
) -> None:
    report = httpx2.get(f"{platform.gateway_url}/v1/reports/areas/{WARD}", timeout=30).json()
    published = []
    for indicator in report["indicators"]:
        for area in indicator["areas"]:
            for figure in [*area["periods"], area["total"]]:
                shown = "withheld" if figure.get("suppressed") else str(figure.get("value"))
                published.append((indicator["indicator_code"], shown))
    assert published, "the world verified outcomes in the ward"
    async with guarded(browser, native_site.url) as visit:
        ward = await _open(visit, native_kinds["ward"], "ward")
        shown = [(code, text.strip()) for code, text in REPORT.findall(ward)]
        assert shown == published
        for kind, path in native_kinds.items():
            html = await _open(visit, path, kind)
            for code, text in FIGURE.findall(html):
                assert text.strip() not in {"1", "2", "3", "4"}, (kind, code, text)
        _stayed_home(visit)


async def test_native_ward_page_shows_its_grant_programme_and_the_vote_as_published(
    browser: Browser, native_site: Server, native_kinds: dict[str, str], platform: Any
) -> None:
    listed = httpx2.get(
        f"{platform.gateway_url}/v1/grant-programmes", params={"area": WARD}, timeout=30
    ).json()["items"]
    programme = next(p for p in listed if p["title"].endswith("(browser test)"))
    grants = httpx2.get(
        f"{platform.gateway_url}/v1/grants", params={"programme_id": programme["id"]}, timeout=30
    ).json()["items"]
    assert [g["status"] for g in grants] == ["paid"]
    async with guarded(browser, native_site.url) as visit:
        html = await _open(visit, native_kinds["ward"], "ward")
        assert programme["title"] in html
        assert f"£{float(programme['committed']['amount']):,.2f}" in html
        assert grants[0]["recipient"]["name"] in html
        assert "Residents’ vote: 81 for, 16 against (97 voted)" in html
        _stayed_home(visit)


async def test_native_commission_page_links_every_notice_the_api_published(
    browser: Browser, native_site: Server, native_kinds: dict[str, str], platform: Any, world: Any
) -> None:
    commission_id = world.ids["commission_id"]
    published = httpx2.get(
        f"{platform.gateway_url}/v1/notices",
        params={"commission_id": commission_id},
        timeout=30,
    ).json()["items"]
    assert published, "the world's commission was tendered and awarded: its notices exist"
    async with guarded(browser, native_site.url) as visit:
        html = await _open(visit, native_kinds["commission"], "commission")
        for notice in published:
            link = visit.page.locator(f'a[href="{platform.gateway_url}/v1/notices/{notice["id"]}"]')
            assert await link.count() == 1, notice["notice_type"]
            assert f"{notice['notice_type']}: " in html
        assert "How it is being bought" in html
        assert "Value with VAT" in html
        _stayed_home(visit)
