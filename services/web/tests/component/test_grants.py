"""Grants on the public pages: programmes and awards by area, grants received, 360Giving listed."""

from __future__ import annotations

import asyncio
from typing import Any

from streetlevel.web import grants, render

from .conftest import GRANT_WARD, PAYLOAD_PANEL, PAYLOAD_PROGRAMME, Demo

FUND = "Talbot and Victoria neighbourhood fund"


async def _fund(demo: Demo) -> dict[str, Any]:
    listed = (await demo.api.get("/v1/grant-programmes", params={"area": GRANT_WARD})).json()
    return next(p for p in listed["items"] if p["title"] == FUND)


async def test_the_ward_page_shows_its_grant_programme_and_each_grant_as_published(
    demo: Demo,
) -> None:
    fund = await _fund(demo)
    awarded = (await demo.api.get("/v1/grants", params={"programme_id": fund["id"]})).json()
    decisions = (await demo.api.get(f"/v1/grant-programmes/{fund['id']}/decisions")).json()
    vote = decisions["items"][0]
    html = (await demo.site.get(f"/areas/{GRANT_WARD}")).text
    assert 'id="grants"' in html
    assert FUND in html
    assert "Blackpool Council" in html
    for field in ("max_grant", "budget", "committed"):
        assert f'<td class="num">{render.money(fund[field])}</td>' in html, field
    assert "Closed" in html
    assert 'href="/areas/E05015202">Talbot</a>' in html  # the other ward, by name
    assert len(awarded["items"]) == 2
    for grant in awarded["items"]:
        recipient = grant["recipient"]
        assert f'href="/enterprises/{recipient["enterprise_id"]}">{recipient["name"]}</a>' in html
        assert f'<td class="num">{render.money(grant["amount"])}</td>' in html
        result = next(r for r in vote["results"] if r["application_id"] == grant["application_id"])
        counts = f"{result['votes']['for']} for, {result['votes']['against']} against"
        assert f"Residents’ vote: {counts} ({vote['turnout']} voted)" in html
    assert "End report received" in html
    # The declined application is not a grant: its group is not listed as a recipient.
    assert "Park Community Kitchen" not in html


async def test_the_programme_shows_on_the_wards_it_serves_and_the_district_containing_them(
    demo: Demo,
) -> None:
    assert FUND in (await demo.site.get("/areas/E05015202")).text  # Talbot
    assert FUND in (await demo.site.get("/areas/E06000009")).text  # Blackpool
    elsewhere = (await demo.site.get("/areas/E05015187")).text  # Bispham
    assert FUND not in elsewhere
    assert "No grant programme serves Bispham at the moment." in elsewhere


async def test_the_recipients_page_shows_the_grant_it_received(demo: Demo) -> None:
    energy = next(e for e in demo.enterprises if e["name"] == "Talbot Community Energy")
    grant = (await demo.api.get("/v1/grants", params={"recipient": energy["id"]})).json()
    html = (await demo.site.get(f"/enterprises/{energy['id']}")).text
    assert "Grants received" in html
    assert FUND in html
    item = grant["items"][0]
    assert f'<td class="num">{render.money(item["amount"])}</td>' in html
    assert f'<td class="num">{item["report"]["people_reached"]}</td>' in html
    assert f"/v1/grants?recipient={energy['id']}" in html
    larder = next(e for e in demo.enterprises if e["name"].startswith("Anchorsholme"))
    other = (await demo.site.get(f"/enterprises/{larder['id']}")).text
    assert "has not received a grant through Street Level yet" in other


async def test_the_open_data_page_lists_the_360giving_dataset(demo: Demo) -> None:
    html = (await demo.site.get("/open-data")).text
    row = html[html.index("/v1/grants/360giving") :].split("</tr>")[0]
    assert "360Giving Data Standard 1.4 (JSON)" in row
    assert "As grants are awarded and paid" in row
    assert "OGL v3.0" in row


async def test_the_ward_feed_names_its_grant_events(demo: Demo) -> None:
    feed = (await demo.site.get(f"/areas/{GRANT_WARD}/feed.atom")).text
    assert "A grant programme opened" in feed
    assert "A grant was awarded" in feed


async def test_a_programme_and_panel_whose_words_are_attacks_are_shown_as_text(
    demo: Demo,
) -> None:
    for path in ("/areas/E05015186", f"/enterprises/{demo.payload_id}"):
        html = (await demo.site.get(path)).text
        assert PAYLOAD_PROGRAMME not in html, path
        assert "&lt;script&gt;alert(&#39;fund&#39;)&lt;/script&gt;" in html, path
    ward = (await demo.site.get("/areas/E05015186")).text
    assert PAYLOAD_PANEL not in ward
    assert "Panel: &lt;svg onload=alert(5)&gt;Cllr Payload" in ward


class FakeGateway:
    """Answers the grant reads of a county page: one programme in a ward of one of its districts."""

    def __init__(self) -> None:
        self.read: list[str] = []

    async def get(self, path: str, **params: Any) -> Any:
        self.read.append(path)
        if path == "/v1/grant-programmes":
            listed = [{"id": "p1", "areas": ["E05000001"]}, {"id": "p2", "areas": ["E05000009"]}]
            return {"items": listed}
        if path == "/v1/areas/E05000001":
            return {"code": "E05000001", "name": "Inside", "parents": [{"code": "E10000001"}]}
        if path == "/v1/areas/E05000009":
            return {"code": "E05000009", "name": "Outside", "parents": [{"code": "E10000002"}]}
        return {"items": []}  # the programme's grants and decisions: none yet


async def test_a_county_page_places_a_ward_programme_by_reading_where_the_ward_sits() -> None:
    county = {"code": "E10000001", "name": "County", "type": "county", "children": []}
    place: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    place.set_result(county)
    gw = FakeGateway()
    shown = await grants.area(gw, place)  # type: ignore[arg-type]
    assert [p["id"] for p in shown["programmes"]] == ["p1"]
    assert shown["area_names"]["E05000001"] == "Inside"
