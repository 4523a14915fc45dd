"""Every page kind renders from the demo via the gateway; unknown and dissolved things say so."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from streetlevel.web import render

from .conftest import API, Demo

ATOM = "{http://www.w3.org/2005/Atom}"


async def test_the_home_page_explains_street_level_and_lists_districts_with_work(
    demo: Demo,
) -> None:
    response = await demo.site.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "What Street Level is" in response.text
    assert 'href="/areas/E06000009">Blackpool</a>' in response.text


async def test_searching_by_ward_name_finds_the_ward(demo: Demo) -> None:
    response = await demo.site.get("/", params={"q": "Anchorsholme"})
    assert response.status_code == 200
    assert 'href="/areas/E05015186">Anchorsholme</a>' in response.text


async def test_a_search_with_no_match_says_so(demo: Demo) -> None:
    response = await demo.site.get("/", params={"q": "Atlantis"})
    assert "No place matches ‘Atlantis’" in response.text


async def test_the_root_still_answers_json_with_the_api_index(demo: Demo) -> None:
    response = await demo.site.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json()["name"] == "Street Level API"
    assert "Accept" in response.headers["vary"]


async def test_the_ward_page_shows_place_enterprises_opportunities_contracts_and_data(
    demo: Demo,
) -> None:
    response = await demo.site.get("/areas/E05015186")
    assert response.status_code == 200
    text = response.text
    assert "<h1>Anchorsholme</h1>" in text
    assert 'href="/areas/E06000009">Blackpool</a>' in text  # its parent
    assert 'href="/areas/E01012662">' in text  # a child LSOA
    assert "Anchorsholme Community Larder CIC" in text
    assert "Befriending" in text  # an open commission with a lot here
    assert "Street gardens: Anchorsholme" in text  # a contract under way
    assert "http://api.test/v1/reports/areas/E05015186" in text
    assert "/v1/reports/export?format=csv" in text
    assert 'href="/areas/E05015186/feed.atom"' in text


async def test_the_district_page_lists_its_wards(demo: Demo) -> None:
    response = await demo.site.get("/areas/E06000009")
    assert response.status_code == 200
    assert 'href="/areas/E05015206">Waterloo</a>' in response.text


async def test_the_enterprise_page_shows_the_check_with_each_criterion(demo: Demo) -> None:
    larder = next(e for e in demo.enterprises if e["name"].startswith("Anchorsholme"))
    response = await demo.site.get(f"/enterprises/{larder['id']}")
    assert response.status_code == 200
    text = response.text
    assert "Community interest company (limited by guarantee)" in text
    assert "Asset lock" in text
    assert "A community interest company has a statutory asset lock." in text
    assert "Street gardens: Anchorsholme" in text  # the contract it won
    assert "Local residents hired" in text  # its outcomes


async def test_the_commission_page_shows_lots_criteria_timeline_and_how_to_bid(demo: Demo) -> None:
    for commission_id in demo.commission_ids:
        response = await demo.site.get(f"/commissions/{commission_id}")
        assert response.status_code == 200
        text = response.text
        assert "Lots by area" in text
        assert "Social value" in text
        assert "Bids close" in text
        assert f"POST /v1/commissions/{commission_id}/bids" in text
        # The default policy welcomes consortia (docs/consortium.md).
        assert "Consortium bids welcome: a lead enterprise with up to 5 members" in text


async def test_the_commission_page_shows_the_procurement_facts_and_its_published_notices(
    demo: Demo,
) -> None:
    assert demo.commission_ids
    for commission_id in demo.commission_ids:
        notice = (await demo.api.get(f"/v1/commissions/{commission_id}")).json()
        procurement = notice["procurement"]
        published = (
            await demo.api.get("/v1/notices", params={"commission_id": commission_id})
        ).json()["items"]
        text = (await demo.site.get(f"/commissions/{commission_id}")).text
        assert "How it is being bought" in text
        assert render.CLASSIFICATIONS.get(procurement["classification"], "Not yet") in text
        assert render.PROCEDURE_KINDS[procurement["procedure_kind"]] in text
        for key in ("value_excl_vat", "vat", "value_incl_vat"):
            assert render.money(procurement[key]) in text, key
        assert render.when(notice["timeline"]["tender_end"]) in text
        for item in published:
            assert f'href="{API}/v1/notices/{item["id"]}"' in text
            assert render.NOTICES[item["notice_type"]] in text
        if not published:
            assert "No notice has been published for this commission yet." in text


async def test_an_above_threshold_commission_shows_its_routing_stages_and_each_notice(
    demo: Demo,
) -> None:
    notice = (await demo.api.get(f"/v1/commissions/{demo.commission_ids[0]}")).json()
    notice["procedure"] = "competitive_flexible"
    notice["stages"] = ["participation", "negotiation", "tender"]
    notice["contract_kind"] = "light_touch"
    notice["cpv_codes"] = ["85310000"]
    notice["procurement"] = {
        **notice["procurement"],
        "classification": "above_threshold",
        "procedure_kind": "competitive_flexible",
        "threshold": {"amount": "663540.00", "currency": "GBP"},
        "reason": "Not less than the light_touch threshold <b>(s.3)</b>.",
    }
    notices = [
        {"id": "0195f0aa-0000-7000-8000-00000000000a", "notice_type": "UK4",
         "published_at": "2027-01-04T09:00:00Z"},
        {"id": "0195f0aa-0000-7000-8000-00000000000b", "notice_type": "UK6",
         "published_at": "2027-03-01T09:00:00Z"},
    ]  # fmt: skip
    html = (
        render.environment()
        .get_template("commission.html")
        .render(
            api=API, css="/site.css", ogl="", path="/", commission=notice, questions=[],
            notices=notices, themes={}, area_names={},
        )
    )  # fmt: skip
    assert render.CLASSIFICATIONS["above_threshold"] in html
    assert "Stages: who may take part, negotiation, tenders" in html
    assert "Light-touch services" in html
    assert "CPV 85310000" in html
    assert "£663,540.00 including VAT" in html
    assert "&lt;b&gt;(s.3)&lt;/b&gt;" in html  # the service's words, escaped
    assert f'href="{API}/v1/notices/0195f0aa-0000-7000-8000-00000000000a"' in html
    assert "UK4: tender notice" in html
    assert "UK6: contract award notice" in html
    assert "4 January 2027" in html


async def test_the_open_data_page_lists_every_dataset_with_its_licence(demo: Demo) -> None:
    response = await demo.site.get("/open-data")
    assert response.status_code == 200
    for path in (
        "/v1/enterprises/export?format=csv",
        "/v1/enterprises/export?format=hsds",
        "/v1/reports/export?format=csv",
        "/v1/ocds/releases",
        "/v1/events",
        "/asyncapi.json",
        "/openapi.json",
    ):
        assert f"http://api.test{path}" in response.text
    assert response.text.count("OGL v3.0") >= 9


async def test_the_area_feed_is_atom_1_0_of_what_changed_there(demo: Demo) -> None:
    response = await demo.site.get("/areas/E05015186/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 (the site's own feed, under test)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == (
        "http://site.test/areas/E05015186/feed.atom"
    )
    entries = feed.findall(f"{ATOM}entry")
    assert entries, "the ward has events: its enterprise, its commissions, its contract"
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(ids) == len(set(ids))
    for entry in entries:
        assert entry.findtext(f"{ATOM}id").startswith("urn:uuid:")
        assert entry.findtext(f"{ATOM}title")
        assert entry.findtext(f"{ATOM}updated").endswith("Z")
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None
    titles = {e.findtext(f"{ATOM}title") for e in entries}
    assert "A commission opened for bids" in titles
    # Bloomfield's enterprise is not Anchorsholme's news.
    assert "Bloomfield Youth Trust" not in response.text


async def test_unknown_things_get_the_not_found_page(demo: Demo) -> None:
    for path in (
        "/areas/E05999999",
        "/areas/not-a-code",
        "/enterprises/01a24c1c-0000-7000-8000-000000000000",
        "/enterprises/../v1/admin/clients",
        "/commissions/01a24c1c-0000-7000-8000-000000000000",
        "/commissions/nope",
        "/no-such-page",
    ):
        response = await demo.site.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in response.text


async def test_a_dissolved_enterprise_gets_the_gone_page(demo: Demo) -> None:
    response = await demo.site.get(f"/enterprises/{demo.dissolved_id}")
    assert response.status_code == 410
    assert "no longer available" in response.text
    assert "Closed Shop CIC" not in (await demo.site.get("/areas/E05015187")).text


async def test_the_site_is_down_with_the_gateway_and_recovers_with_it(demo: Demo) -> None:
    demo.switch.down = True
    try:
        # A search no one made before is in no cache: it needs the gateway.
        response = await demo.site.get("/", params={"q": "Waterloo while down"})
        assert response.status_code == 503
        assert response.headers["retry-after"] == "30"
        assert "temporarily unavailable" in response.text
        assert (await demo.site.get("/readyz")).status_code == 503
    finally:
        demo.switch.down = False
    assert (await demo.site.get("/", params={"q": "Waterloo while down"})).status_code == 200
    assert (await demo.site.get("/readyz")).status_code == 200


async def test_the_site_reads_only_public_endpoints_anonymously(demo: Demo) -> None:
    await demo.site.get("/areas/E05015186")
    assert demo.switch.seen
    for request in demo.switch.seen:
        assert "authorization" not in request.headers
        assert request.method == "GET"
        assert not request.url.path.startswith("/v1/admin")


def test_the_root_negotiates_like_the_gateway() -> None:
    from streetlevel.web.routes import wants_json

    assert wants_json(None)
    assert wants_json("*/*")
    assert wants_json("application/json")
    assert wants_json("application/json, text/html")
    assert not wants_json("text/html,application/xhtml+xml,*/*;q=0.8")
    assert not wants_json("text/html")
    assert not wants_json("application/json;q=0.5, text/html")


async def test_every_page_kind_weighs_at_most_100_kb_with_its_stylesheet(demo: Demo) -> None:
    css = len((await demo.site.get("/site.css")).content)
    pages = ["/", "/?q=Blackpool", "/open-data", "/areas/E06000009", "/areas/E05015186"]
    pages += ["/areas/E05015204"]  # the demo's ward grant round
    pages += [f"/enterprises/{e['id']}" for e in demo.enterprises[:3]]
    pages += [f"/commissions/{c}" for c in demo.commission_ids]
    for path in pages:
        response = await demo.site.get(path)
        assert response.status_code == 200, path
        assert len(response.content) + css <= 100_000, (path, len(response.content), css)
        assert 'rel="stylesheet"' in response.text
        assert response.text.count("<link") == 1 + ("/areas/" in path), "one stylesheet only"


async def test_a_page_answers_304_to_its_own_etag(demo: Demo) -> None:
    first = await demo.site.get("/open-data")
    again = await demo.site.get("/open-data", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
