"""The embedded-mode API from draft to payment: the happy path and its refusals."""

from __future__ import annotations

from typing import Any

from streetlevel.common.ids import new_id


async def open_commission(h: Any) -> dict[str, Any]:
    r = await h.client.post("/v1/commissions", json=h.body(h.clock.now()), headers=h.council())
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = await h.client.post(f"/v1/commissions/{cid}/publish", headers=h.council())
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_commission_runs_from_draft_to_a_paid_outcome(harness: Any) -> None:
    h = harness
    a, b = str(new_id()), str(new_id())
    await h.enterprise(h.record(a, "Anchorsholme Friends CIC"))
    await h.enterprise(h.record(b, "Bispham Co-op", legal_form="cooperative_society"))
    c = await open_commission(h)
    cid = c["id"]
    assert c["status"] == "open"
    bid_a = await h.client.post(
        f"/v1/commissions/{cid}/bids",
        json={"lot_id": "lot-1", "price": {"amount": "5000.00"}, "proposal": "Weekly visits"},
        headers=h.bidder(a),
    )
    assert bid_a.status_code == 201, bid_a.text
    bid_b = await h.client.post(
        f"/v1/commissions/{cid}/bids",
        json={"lot_id": "lot-1", "price": {"amount": "4000.00"}, "proposal": "Phone tree"},
        headers=h.bidder(b),
    )
    assert bid_b.status_code == 201
    h.clock.advance(days=11)
    assert await h.run_due_jobs() == 1
    got = (await h.client.get(f"/v1/commissions/{cid}")).json()
    assert got["status"] == "evaluation"
    assert [lot["status"] for lot in got["lots"]] == ["open", "unsuccessful"]
    for bid, quality in ((bid_a, 90), (bid_b, 60)):
        r = await h.client.put(
            f"/v1/commissions/{cid}/bids/{bid.json()['id']}/score",
            json={"quality": quality, "social_value": 80},
            headers=h.council(),
        )
        assert r.status_code == 200, r.text
    ranking = (
        await h.client.get(f"/v1/commissions/{cid}/lots/lot-1/ranking", headers=h.council())
    ).json()
    # a: 40×80/100 + 40×90/100 + 20×80/100 = 84; b: 40 + 24 + 16 = 80
    assert [(i["bid_id"], i["total"]) for i in ranking["items"]] == [
        (bid_a.json()["id"], "84"),
        (bid_b.json()["id"], "80"),
    ]
    award = await h.client.post(f"/v1/commissions/{cid}/lots/lot-1/award", headers=h.council())
    assert award.status_code == 201, award.text
    contract = award.json()
    assert award.headers["location"] == f"/v1/contracts/{contract['id']}"
    assert contract["supplier"]["enterprise_id"] == a
    assert contract["value"] == {"amount": "5000.00", "currency": "GBP"}
    assert (await h.client.get(f"/v1/commissions/{cid}")).json()["status"] == "awarded"
    h.clock.advance(days=20)  # the contract starts on day 30
    r = await h.client.post(f"/v1/contracts/{contract['id']}/activate", headers=h.council())
    assert r.status_code == 200, r.text
    h.after_first_period()
    obs = str(new_id())
    await h.deliver(
        "outcomes.observation.v1",
        contract["id"],
        h.observation_event("reported", obs, contract["id"], "12"),
    )
    verified = h.observation_event("verified", obs, contract["id"], "12")
    await h.deliver("outcomes.observation.v1", contract["id"], verified)
    await h.deliver("outcomes.observation.v1", contract["id"], verified)
    ledger = (
        await h.client.get(f"/v1/contracts/{contract['id']}/payments", headers=h.council())
    ).json()
    assert [(ln["kind"], ln["amount"]["amount"]) for ln in ledger["lines"]] == [
        ("payment", "600.00")
    ]
    public = (await h.client.get(f"/v1/contracts/{contract['id']}/payments")).json()
    assert "lines" not in public
    # loneliness-reduced is sensitive: the public sees 12 people rounded to 10 (× £50).
    assert public["periods"] == [
        {
            "period": {"start": "2026-12-23", "end": "2027-01-21"},
            "amount": {"amount": "500.00", "currency": "GBP"},
            "suppressed": False,
            "rounded": True,
        }
    ]
    types = await h.published_types()
    assert types == [
        "commissioning.commission.published.v1",
        "commissioning.commission.closed.v1",
        "commissioning.lot.unsuccessful.v1",
        "commissioning.contract.created.v1",
        "commissioning.lot.awarded.v1",
        "commissioning.contract.activated.v1",
        "commissioning.contract.payments_updated.v1",
    ]
