"""The area page's figures are the outcomes service's public area report, cell for cell."""

from __future__ import annotations

from typing import Any

from .conftest import Demo
from .figures import figure_cells

SMALL = {"1", "2", "3", "4"}


def published(report: dict[str, Any]) -> list[dict[str, str]]:
    """Every figure of the report as the page must show it: the value, or "withheld"."""

    def shown(figure: dict[str, Any]) -> str:
        if figure.get("suppressed"):
            return "withheld"
        return "none" if figure.get("value") is None else str(figure["value"])

    cells = []
    for indicator in report["indicators"]:
        for area in indicator["areas"]:
            for row in area["periods"]:
                period = f"{row['period']['start']}/{row['period']['end']}"
                cells.append(
                    {
                        "data-indicator": indicator["indicator_code"],
                        "data-area": area["area"],
                        "data-period": period,
                        "text": shown(row),
                    }
                )
            cells.append(
                {
                    "data-indicator": indicator["indicator_code"],
                    "data-area": area["area"],
                    "data-period": "total",
                    "text": shown(area["total"]),
                }
            )
    return cells


def report_cells(html: str) -> list[dict[str, str]]:
    keys = ("data-indicator", "data-area", "data-period", "text")
    return [{k: c[k] for k in keys} for c in figure_cells(html) if "data-period" in c]


async def test_every_demo_wards_page_shows_exactly_its_public_area_report(demo: Demo) -> None:
    assert len(demo.wards) == 21
    with_figures = 0
    for ward in demo.wards:
        report = (await demo.api.get(f"/v1/reports/areas/{ward}")).json()
        page = await demo.site.get(f"/areas/{ward}")
        assert page.status_code == 200, ward
        assert report_cells(page.text) == published(report), ward
        with_figures += bool(report["indicators"])
    assert with_figures >= 1, "the demo verifies outcomes in at least one ward"


async def test_the_district_page_shows_exactly_its_public_area_report(demo: Demo) -> None:
    report = (await demo.api.get("/v1/reports/areas/E06000009")).json()
    page = await demo.site.get("/areas/E06000009")
    assert report_cells(page.text) == published(report)
    assert published(report), "Blackpool has outcomes in the demo"


async def test_no_sensitive_count_of_one_to_four_appears_on_any_page(demo: Demo) -> None:
    indicators = (await demo.api.get("/v1/indicators", params={"limit": 200})).json()["items"]
    sensitive = {i["code"] for i in indicators if i.get("sensitive")}
    assert sensitive, "the demo catalogue has sensitive indicators"
    lsoas = (await demo.api.get("/v1/areas", params={"type": "lsoa", "limit": 200})).json()
    pages = ["/", "/open-data", "/areas/E06000009"]
    pages += [f"/areas/{w}" for w in demo.wards]
    pages += [f"/areas/{a['code']}" for a in lsoas["items"]]
    pages += [f"/enterprises/{e['id']}" for e in demo.enterprises if e["status"] != "dissolved"]
    pages += [f"/commissions/{c}" for c in demo.commission_ids]
    checked = 0
    for path in pages:
        response = await demo.site.get(path)
        assert response.status_code == 200, path
        for cell in figure_cells(response.text):
            if cell["data-indicator"] in sensitive:
                checked += 1
                assert cell["text"] not in SMALL, (path, cell)
    assert checked > 0, "sensitive figures were shown somewhere"
