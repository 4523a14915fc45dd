"""Contract lifecycle over the API, and reversal of a superseded verified observation."""

from __future__ import annotations

from typing import Any

from streetlevel.common.ids import new_id


async def awarded_contract(h: Any) -> tuple[dict[str, Any], str, str]:
    e = str(new_id())
    await h.enterprise(h.record(e, "Steady CIC"))
    # Below threshold the standstill is voluntary (s.51): this council chooses to hold one.
    body = h.body(h.clock.now(), voluntary_standstill=True)
    c = (await h.client.post("/v1/commissions", json=body, headers=h.council())).json()
    await h.client.post(f"/v1/commissions/{c['id']}/publish", headers=h.council())
    b = await h.client.post(
        f"/v1/commissions/{c['id']}/bids",
        json={"lot_id": "lot-1", "price": {"amount": "800.00"}, "proposal": "p"},
        headers=h.bidder(e),
    )
    h.clock.advance(days=11)
    await h.run_due_jobs()
    await h.client.put(
        f"/v1/commissions/{c['id']}/bids/{b.json()['id']}/score",
        json={"quality": 60, "social_value": 60},
        headers=h.council(),
    )
    k = await h.client.post(f"/v1/commissions/{c['id']}/lots/lot-1/award", headers=h.council())
    assert k.status_code == 201, k.text
    return k.json(), c["id"], e


async def test_a_contract_waits_for_standstill_then_runs_and_completes_the_commission(
    harness: Any,
) -> None:
    h = harness
    k, cid, _ = await awarded_contract(h)
    url = f"/v1/contracts/{k['id']}"
    assert k["status"] == "pending"
    early = await h.client.post(f"{url}/activate", headers=h.council())
    assert early.status_code == 409
    assert (await h.client.post(f"{url}/complete", headers=h.council())).status_code == 409
    h.clock.advance(days=20)  # past the standstill and the contract's start (day 30)
    assert (await h.client.post(f"{url}/activate", headers=h.council())).json()[
        "status"
    ] == "active"
    other = h.council("GB-LAE-FYL", "E07000119")
    assert (await h.client.post(f"{url}/complete", headers=other)).status_code == 403
    done = await h.client.post(f"{url}/complete", headers=h.council())
    assert done.json()["status"] == "complete"
    assert (await h.client.get(f"/v1/commissions/{cid}")).json()["status"] == "complete"
    listed = (await h.client.get("/v1/contracts", params={"commission_id": cid})).json()
    assert [x["id"] for x in listed["items"]] == [k["id"]]
    types = [e.short_type for e in await h.published() if e.subject == f"contract/{k['id']}"]
    assert types == [
        "commissioning.contract.created.v1",
        "commissioning.contract.activated.v1",
        "commissioning.contract.completed.v1",
    ]
    # A council mirrors the commission's status from the feed too: complete once all ended.
    last = [e for e in await h.published() if e.subject == f"commission/{cid}"][-1]
    assert last.short_type == "commissioning.commission.completed.v1"
    assert last.data == {"commission_id": cid, "status": "complete"}


async def test_terminating_needs_a_reason_and_is_published(harness: Any) -> None:
    h = harness
    k, _, _ = await awarded_contract(h)
    url = f"/v1/contracts/{k['id']}/terminate"
    assert (await h.client.post(url, json={}, headers=h.council())).status_code == 422
    r = await h.client.post(url, json={"reason": "Supplier closed"}, headers=h.council())
    assert r.json()["status"] == "terminated"
    terminated = [e for e in await h.published() if e.short_type.endswith("terminated.v1")]
    assert terminated[-1].data == {
        "contract_id": k["id"],
        "status": "terminated",
        "reason": "Supplier closed",
    }


async def test_a_new_report_superseding_a_paid_observation_reverses_its_line(harness: Any) -> None:
    h = harness
    k, _, supplier = await awarded_contract(h)
    h.after_first_period()
    first, second = str(new_id()), str(new_id())
    for kind in ("reported", "verified"):
        await h.deliver(
            "outcomes.observation.v1", k["id"], h.observation_event(kind, first, k["id"], "2")
        )
    replacement = h.observation_event("reported", second, k["id"], "3")
    replacement.data["supersedes"] = first
    await h.deliver("outcomes.observation.v1", k["id"], replacement)
    superseded = h.observation_event("superseded", first, k["id"], "2")
    await h.deliver("outcomes.observation.v1", k["id"], superseded)
    await h.deliver(
        "outcomes.observation.v1", k["id"], h.observation_event("verified", second, k["id"], "3")
    )
    ledger = (
        await h.client.get(f"/v1/contracts/{k['id']}/payments", headers=h.bidder(supplier))
    ).json()
    assert [
        (ln["kind"], ln["observation_id"], ln["amount"]["amount"]) for ln in ledger["lines"]
    ] == [
        ("payment", first, "100.00"),
        ("reversal", first, "-100.00"),
        ("payment", second, "150.00"),
    ]
    assert ledger["total"] == {"amount": "150.00", "currency": "GBP"}
    stranger = (
        await h.client.get(f"/v1/contracts/{k['id']}/payments", headers=h.bidder(str(new_id())))
    ).json()
    assert "lines" not in stranger


async def test_a_contract_activated_before_its_start_stays_pending_until_the_scheduler_starts_it(
    harness: Any,
) -> None:
    h = harness
    k, cid, supplier = await awarded_contract(h)
    url = f"/v1/contracts/{k['id']}"
    # Standstill: 8 working days beginning with the award on Friday 4 December, so it is over
    # from 16 December (day 23); the contract starts on day 30.
    h.clock.advance(days=12)
    early = await h.client.post(f"{url}/activate", headers=h.council())
    assert early.status_code == 200, early.text
    assert (early.json()["status"], early.json()["activates_at"]) == (
        "pending",
        k["period"]["start"],
    )
    wrong = await h.client.post(f"{url}/activate", headers=h.council("GB-LAE-FYL", "E07000119"))
    assert wrong.status_code == 403
    assert await h.run_due_jobs() == 0, "nothing is due before the start"
    seen = (await h.client.get(url, headers=h.bidder(supplier))).json()
    assert seen["status"] == "pending"
    ocds = (await h.client.get("/v1/ocds/releases", params={"limit": 200})).json()["releases"]
    mine = [c for r in ocds if r["ocid"] == k["ocid"] for c in r.get("contracts", [])]
    assert {c["status"] for c in mine} == {"pending"}
    h.clock.advance(days=9)  # day 30: the start
    assert await h.run_due_jobs() == 1
    started = (await h.client.get(url)).json()
    assert (started["status"], started["activates_at"]) == ("active", None)
    ocds = (await h.client.get("/v1/ocds/releases", params={"limit": 200})).json()["releases"]
    last = [r for r in ocds if r["ocid"] == k["ocid"]][-1]
    assert last["tag"] == ["contractUpdate"]
    assert last["contracts"][0]["status"] == "active"
    assert last["date"] >= k["period"]["start"]
    types = [e.short_type for e in await h.published() if e.subject == f"contract/{k['id']}"]
    assert types == ["commissioning.contract.created.v1", "commissioning.contract.activated.v1"]
    assert (await h.client.get(f"/v1/commissions/{cid}")).json()["status"] == "awarded"


async def test_nothing_is_paid_for_a_period_that_has_not_ended(harness: Any) -> None:
    h = harness
    k, _, _ = await awarded_contract(h)
    obs = str(new_id())
    for kind in ("reported", "verified"):  # on day 11, for a period ending on day 60
        await h.deliver(
            "outcomes.observation.v1", k["id"], h.observation_event(kind, obs, k["id"], "5")
        )
    ledger = (await h.client.get(f"/v1/contracts/{k['id']}/payments", headers=h.council())).json()
    assert ledger["lines"] == []
