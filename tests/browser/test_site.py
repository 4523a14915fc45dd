"""The public site in a real browser: every page kind with demo data, accessible and self-contained.

Runs against the embedded platform (``make run``) — axe-core 0 violations, JavaScript off,
keyboard alone, 320 px wide, no request leaving the site, payloads inert; a screenshot of each
page kind goes to the run's artifacts.
"""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser

from .conftest import ARTIFACTS, Server, Visit, guarded
from .keyboard import links_never_reached
from .site_data import (
    PAYLOAD_NAME,
    PAYLOAD_PANEL,
    PAYLOAD_PROGRAMME,
    demo_client,
    demo_registrar,
    page_kinds,
)

BROWSER_STATUS = {"not-found": 404, "gone": 410}
NARROW = {"width": 320, "height": 640}


@pytest.fixture(scope="session")
def kinds(gateway_server: Server) -> dict[str, str]:
    assert gateway_server.data_dir is not None
    data_dir = gateway_server.data_dir
    council = demo_client(data_dir, "council")
    return page_kinds(gateway_server.url, demo_registrar(data_dir), council)


@pytest_asyncio.fixture(loop_scope="session")
async def no_js(browser: Browser, gateway_server: Server) -> Any:
    async with guarded(browser, gateway_server.url, java_script_enabled=False) as seen:
        yield seen


@pytest_asyncio.fixture(loop_scope="session")
async def narrow(browser: Browser, gateway_server: Server) -> Any:
    async with guarded(browser, gateway_server.url, viewport=NARROW) as seen:
        yield seen


#: Chromium logs the not-found and gone pages' own statuses as console errors.
EXPECTED = tuple(f"the server responded with a status of {s} " for s in BROWSER_STATUS.values())


def assert_stayed_home(visit: Visit) -> None:
    assert visit.blocked == [], f"requests left the site: {visit.blocked}"
    assert visit.outside() == []
    errors = [e for e in visit.errors if not any(x in e for x in EXPECTED)]
    assert errors == [], f"console errors or dialogs: {errors}"


async def open_page(visit: Visit, path: str, kind: str) -> None:
    response = await visit.page.goto(visit.origin + path, wait_until="networkidle")
    assert response is not None
    assert response.status == BROWSER_STATUS.get(kind, 200), (kind, path)
    assert response.headers["content-type"].startswith("text/html"), kind


async def test_every_page_kind_has_no_axe_violations_and_stays_on_the_site(
    visit: Visit, kinds: dict[str, str]
) -> None:
    axe = Axe()
    for kind, path in kinds.items():
        await open_page(visit, path, kind)
        # The stylesheet applied under the strict CSP (no inline styles are allowed).
        colour = await visit.page.eval_on_selector(
            ".header", "el => getComputedStyle(el).backgroundColor"
        )
        assert colour == "rgb(11, 12, 12)", kind
        results = await axe.run(visit.page)
        await visit.screenshot(f"site-{kind}", full_page=True)
        assert results.violations_count == 0, (kind, results.generate_report())
    assert (ARTIFACTS / "site-ward.png").stat().st_size > 0
    assert_stayed_home(visit)


async def test_every_page_kind_works_with_javascript_off(
    no_js: Visit, kinds: dict[str, str]
) -> None:
    for kind, path in kinds.items():
        await open_page(no_js, path, kind)
        assert (await no_js.page.text_content("h1") or "").strip(), kind
    # The search is a plain form: it works without a script.
    await open_page(no_js, "/", "home")
    await no_js.page.fill("#q", "Bispham")
    await no_js.page.press("#q", "Enter")
    await no_js.page.wait_for_url("**/?q=Bispham")
    await no_js.page.get_by_role("link", name="Bispham", exact=True).click()
    await no_js.page.wait_for_url("**/areas/E05015187")
    assert await no_js.page.text_content("h1") == "Bispham"
    assert_stayed_home(no_js)


async def test_no_page_kind_scrolls_sideways_at_320_pixels(
    narrow: Visit, kinds: dict[str, str]
) -> None:
    for kind, path in kinds.items():
        await open_page(narrow, path, kind)
        width = await narrow.page.evaluate("document.documentElement.scrollWidth")
        assert width <= NARROW["width"], (kind, width)
        await narrow.screenshot(f"site-{kind}-320px", full_page=True)
    assert_stayed_home(narrow)


async def test_the_keyboard_alone_reaches_every_link_of_the_area_page(
    visit: Visit, kinds: dict[str, str]
) -> None:
    await open_page(visit, kinds["ward"], "ward")
    links, reached, missing = await links_never_reached(visit)
    assert len(links) > 20
    assert reached[0] == "#main", "the first tab stop is the skip link"
    assert missing == set(), f"links the keyboard never reached: {missing}"
    # Focus is visible: the focused link gets the yellow focus colour.
    await visit.page.focus("a[href='/open-data']")
    focused = await visit.page.eval_on_selector(
        "a[href='/open-data']", "el => getComputedStyle(el).backgroundColor"
    )
    assert focused == "rgb(255, 221, 0)"
    assert_stayed_home(visit)


async def test_an_enterprise_whose_words_are_html_and_script_stays_text_in_the_browser(
    visit: Visit, kinds: dict[str, str]
) -> None:
    for kind in ("ward", "payload-enterprise"):
        await open_page(visit, kinds[kind], kind)
        main = await visit.page.text_content("main") or ""
        assert PAYLOAD_NAME in main, kind
        assert PAYLOAD_PROGRAMME in main, kind  # the grant programme's title, as text
        if kind == "ward":
            assert PAYLOAD_PANEL in main  # the panel that awarded it, as text
        injected = await visit.page.evaluate(
            "document.querySelectorAll('main script, main img, main svg[onload]').length"
        )
        assert injected == 0, kind
    assert_stayed_home(visit)  # no dialog opened, no console error
