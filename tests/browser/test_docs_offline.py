"""/docs, /redoc and the front door in a real browser that may reach nothing but the gateway."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import httpx2
from axe_playwright_python.async_playwright import Axe

from .conftest import Server, Visit

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
#: Swagger UI and ReDoc both show operations without a tag in a group of their own.
UNTAGGED = "default"


def operations_by_tag(document: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """Every operation of the document under each tag it carries."""
    tagged: dict[str, list[dict[str, str]]] = defaultdict(list)
    for path, item in document["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                entry = {"method": method, "path": path, "id": operation.get("operationId", "")}
                for tag in operation.get("tags") or [UNTAGGED]:
                    tagged[tag].append(entry)
    return dict(tagged)


def merged_document(server: Server) -> dict[str, Any]:
    response = httpx2.get(f"{server.url}/openapi.json", timeout=30)
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def assert_stayed_home(visit: Visit) -> None:
    assert visit.blocked == [], f"requests left the gateway: {visit.blocked}"
    assert visit.outside() == []
    assert visit.errors == [], f"console errors: {visit.errors}"


SWAGGER_RENDERED = """() => {
  const rendered = {};
  for (const section of document.querySelectorAll('.opblock-tag-section')) {
    const tag = section.querySelector('h3.opblock-tag').getAttribute('data-tag');
    rendered[tag] = [...section.querySelectorAll('.opblock')].map(block => ({
      method: block.querySelector('.opblock-summary-method').textContent.trim().toLowerCase(),
      // A deprecated operation's path carries its own class (struck through).
      path: block.querySelector('.opblock-summary-path, .opblock-summary-path__deprecated')
        .getAttribute('data-path'),
    }));
  }
  return rendered;
}"""


async def test_swagger_ui_renders_every_tags_operations_without_leaving_the_gateway(
    visit: Visit, gateway_server: Server
) -> None:
    expected = operations_by_tag(merged_document(gateway_server))
    assert expected, "the document has no operations"
    response = await visit.page.goto(f"{gateway_server.url}/docs", wait_until="networkidle")
    assert response is not None
    assert response.status == 200
    await visit.page.wait_for_selector(".opblock")
    rendered: dict[str, list[dict[str, str]]] = await visit.page.evaluate(SWAGGER_RENDERED)
    # Opening an operation renders its parameters and schemas under the same strict CSP.
    await visit.page.locator(".opblock .opblock-summary-control").first.click()
    await visit.page.wait_for_selector(".opblock.is-open .opblock-body")
    await visit.screenshot("swagger-ui")
    for tag, operations in expected.items():
        assert tag in rendered, f"Swagger UI shows no group for tag {tag!r}"
        shown = {(op["method"], op["path"]) for op in rendered[tag]}
        for op in operations:
            assert (op["method"], op["path"]) in shown, (tag, op)
    assert_stayed_home(visit)


REDOC_RENDERED = """(ids) => ids.filter(id => document.getElementById(id) === null)"""


async def test_redoc_renders_every_tags_operations_without_leaving_the_gateway(
    visit: Visit, gateway_server: Server
) -> None:
    expected = operations_by_tag(merged_document(gateway_server))
    response = await visit.page.goto(f"{gateway_server.url}/redoc", wait_until="networkidle")
    assert response is not None
    assert response.status == 200
    await visit.page.wait_for_selector("[id^='operation/'], [id^='tag/']")
    wanted = []
    for tag, operations in expected.items():
        for op in operations:
            assert op["id"], f"{op['method']} {op['path']} has no operationId for ReDoc's anchor"
            wanted.append(
                f"operation/{op['id']}" if tag == UNTAGGED else f"tag/{tag}/operation/{op['id']}"
            )
    missing = await visit.page.evaluate(REDOC_RENDERED, wanted)
    await visit.screenshot("redoc")
    assert missing == [], f"ReDoc rendered no section for {missing}"
    assert_stayed_home(visit)


async def test_the_developers_page_is_accessible_and_self_contained(
    visit: Visit, gateway_server: Server
) -> None:
    # The front door lives at /developers; a browser's / is the public site (test_site.py).
    for path in ("/developers",):
        response = await visit.page.goto(f"{gateway_server.url}{path}", wait_until="networkidle")
        assert response is not None
        assert response.status == 200
        assert response.headers["content-type"].startswith("text/html")
        heading = await visit.page.text_content("h1")
        assert heading == "Street Level API"
        links = await visit.page.eval_on_selector_all("a", "els => els.map(e => e.textContent)")
        assert "Open Government Licence v3.0" in links
        # The stylesheet applied under the page's CSP (no inline styles are allowed).
        colour = await visit.page.eval_on_selector(
            ".header", "el => getComputedStyle(el).backgroundColor"
        )
        assert colour == "rgb(11, 12, 12)"
    results = await Axe().run(visit.page)
    await visit.screenshot("developers", full_page=True)
    assert results.violations_count == 0, results.generate_report()
    assert_stayed_home(visit)
