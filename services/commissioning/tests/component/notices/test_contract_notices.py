"""UK10 contract changes and UK11 terminations: permitted changes, notices, history, access."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from streetlevel.common.ids import new_id

LOTS = [
    {
        "id": "lot-1",
        "title": "Anchorsholme",
        "areas": ["E05015186"],
        "value": {"amount": "150000.00", "currency": "GBP"},
        "outcomes": [{"indicator_code": "loneliness-reduced", "target": "40"}],
    },
    {
        "id": "lot-2",
        "title": "Bispham",
        "areas": ["E05015187"],
        "value": {"amount": "100000.00", "currency": "GBP"},
        "outcomes": [{"indicator_code": "loneliness-reduced", "target": "25"}],
    },
]


async def contract_for(
    h: Any, *, above: bool, panel_award: Callable[..., Any] | None = None
) -> dict[str, Any]:
    """An awarded lot-1 contract of a commission above (£250,000) or below threshold."""
    supplier = str(new_id())
    await h.enterprise(h.record(supplier, "Anchorsholme Friends CIC"))
    now = h.clock.now()
    body = h.body(now)
    if above:
        # A public contract: no local or size reservation (s.32-33), a CPV code for its notices
        # and a tender period the Act allows (s.54).
        body |= {
            "lots": LOTS,
            "value": {"amount": "250000.00", "currency": "GBP"},
            "eligibility": {"verified_only": True},
            "cpv_codes": ["85311000-2"],
        }
        body["timeline"] |= {
            "tender_end": (now + timedelta(days=30)).isoformat(),
            "award_by": (now + timedelta(days=40)).isoformat(),
            "contract_start": (now + timedelta(days=60)).isoformat(),
        }
    r = await h.client.post("/v1/commissions", json=body, headers=h.council())
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert (await h.client.post(f"/v1/commissions/{cid}/publish", headers=h.council())).is_success
    price = "140000.00" if above else "5000.00"
    bid = await h.client.post(
        f"/v1/commissions/{cid}/bids",
        json={"lot_id": "lot-1", "price": {"amount": price}, "proposal": "Weekly visits"},
        headers=h.bidder(supplier),
    )
    assert bid.status_code == 201, bid.text
    h.clock.advance(days=31 if above else 11)
    await h.run_due_jobs()
    if above:  # a public contract is scored by its panel, then moderated (s.19, ss.81-83)
        assert panel_award is not None
        return dict(await panel_award(h, cid, {supplier: 80}))
    r = await h.client.put(
        f"/v1/commissions/{cid}/bids/{bid.json()['id']}/score",
        json={"quality": 80, "social_value": 80},
        headers=h.council(),
    )
    assert r.status_code == 200, r.text
    award = await h.client.post(f"/v1/commissions/{cid}/lots/lot-1/award", headers=h.council())
    assert award.status_code == 201, award.text
    return dict(award.json())


def change(value: str, ground: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "description": "Add Norbreck to the service area",
        "reason": "Demand from the neighbouring ward",
        "value": {"amount": value},
    }
    if ground:
        body["ground"] = ground
    return body


async def test_a_public_contract_changes_within_limits_then_with_a_uk10(
    harness: Any, validate_uk: Callable[..., Any], panel_award: Callable[..., Any]
) -> None:
    h = harness
    contract = await contract_for(h, above=True, panel_award=panel_award)
    url = f"/v1/contracts/{contract['id']}"
    small = await h.client.post(f"{url}/changes", json=change("147000.00"), headers=h.council())
    assert small.status_code == 201, small.text
    assert small.json()["notice_id"] is None
    assert "no UK10 needed" in small.json()["basis"]

    bare = await h.client.post(f"{url}/changes", json=change("190000.00"), headers=h.council())
    assert bare.status_code == 422
    assert bare.json()["errors"][0]["type"] == "modification_not_permitted"
    assert "Schedule 8" in bare.json()["errors"][0]["msg"]
    capped = await h.client.post(
        f"{url}/changes", json=change("230000.00", "unforeseeable"), headers=h.council()
    )
    assert capped.status_code == 422
    assert capped.json()["errors"][0]["type"] == "modification_cap"

    big = await h.client.post(
        f"{url}/changes", json=change("190000.00", "unforeseeable"), headers=h.council()
    )
    assert big.status_code == 201, big.text
    assert big.json()["notice_type"] == "UK10"
    assert (await h.client.get(url)).json()["value"]["amount"] == "190000.00"
    notices = [
        e for e in await h.published() if e.short_type == "commissioning.notice.published.v1"
    ]
    assert [(e.data["notice_type"], e.data["contract_id"]) for e in notices][-1] == (
        "UK10",
        contract["id"],
    )
    listed = (await h.client.get("/v1/notices", params={"notice_type": "UK10"})).json()
    mine = [n for n in listed["items"] if n["id"] == big.json()["notice_id"]]
    assert len(mine) == 1
    amendment = mine[0]["release"]["contracts"][0]["amendments"][0]
    assert amendment["value"] == {"amount": 190000.0, "currency": "GBP"}
    package = (
        await h.client.get("/v1/ocds/releases", params={"ocid": mine[0]["release"]["ocid"]})
    ).json()
    report, invalid = validate_uk(package)
    assert report["validation_errors"] == []
    assert invalid == {}

    history = (await h.client.get(f"{url}/changes")).json()["items"]
    assert [(c["kind"], c["notice_type"]) for c in history] == [
        ("change", None),
        ("change", "UK10"),
    ]

    ended = await h.client.post(
        f"{url}/termination",
        json={"reason": "Provider merged into a regional charity"},
        headers=h.council(),
    )
    assert ended.status_code == 201, ended.text
    assert ended.json()["notice_type"] == "UK11"
    assert (await h.client.get(url)).json()["status"] == "terminated"
    types = await h.published_types()
    assert "commissioning.contract.terminated.v1" in types
    again = await h.client.post(f"{url}/termination", json={"reason": "x"}, headers=h.council())
    assert again.status_code == 409
    late = await h.client.post(f"{url}/changes", json=change("1.00"), headers=h.council())
    assert late.status_code == 409


async def test_below_threshold_changes_and_endings_need_no_notice(harness: Any) -> None:
    h = harness
    contract = await contract_for(h, above=False)
    url = f"/v1/contracts/{contract['id']}"
    big = await h.client.post(f"{url}/changes", json=change("9000.00"), headers=h.council())
    assert big.status_code == 201, big.text
    assert big.json()["notice_id"] is None
    ended = await h.client.post(f"{url}/termination", json={"reason": "x"}, headers=h.council())
    assert ended.status_code == 201
    assert ended.json()["notice_id"] is None
    assert "no contract termination notice" in ended.json()["basis"]


async def test_only_the_buyer_council_may_change_or_terminate(
    harness: Any, panel_award: Callable[..., Any]
) -> None:
    h = harness
    contract = await contract_for(h, above=True, panel_award=panel_award)
    url = f"/v1/contracts/{contract['id']}"
    other = h.tokens.bearer(h.tokens.council(org="GB-LAE-LAC", area="E07000121"))
    supplier = h.bidder(contract["supplier"]["enterprise_id"])
    for headers, want in ((other, 403), (supplier, 403), ({}, 401)):
        r = await h.client.post(f"{url}/changes", json=change("141000.00"), headers=headers)
        assert r.status_code == want, (headers, r.text)
        r = await h.client.post(f"{url}/termination", json={"reason": "x"}, headers=headers)
        assert r.status_code == want
    missing = await h.client.post(
        "/v1/contracts/nope/changes", json=change("1.00"), headers=h.council()
    )
    assert missing.status_code == 404
    assert (await h.client.get("/v1/contracts/nope/changes")).status_code == 404
    assert (await h.client.get(f"{url}/changes")).json() == {"items": []}
    h.clock.advance(timedelta(days=1))
