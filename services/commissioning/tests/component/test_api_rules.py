"""Embedded-mode API rules: eligibility, deadlines, amendments, cancellation, HTTP conventions."""

from __future__ import annotations

from typing import Any

from streetlevel.common.ids import new_id


async def published(h: Any, **overrides: Any) -> dict[str, Any]:
    r = await h.client.post(
        "/v1/commissions", json=h.body(h.clock.now(), **overrides), headers=h.council()
    )
    assert r.status_code == 201, r.text
    r = await h.client.post(f"/v1/commissions/{r.json()['id']}/publish", headers=h.council())
    assert r.status_code == 200, r.text
    return r.json()


async def bid(h: Any, cid: str, enterprise: str, price: str = "3000.00", lot: str = "lot-1") -> Any:
    return await h.client.post(
        f"/v1/commissions/{cid}/bids",
        json={"lot_id": lot, "price": {"amount": price}, "proposal": "p"},
        headers=h.bidder(enterprise),
    )


async def test_an_ineligible_bid_is_refused_listing_every_unmet_rule(harness: Any) -> None:
    h = harness
    e = str(new_id())
    await h.enterprise(
        h.record(
            e,
            "Big Co",
            status="pending",
            legal_form="company_limited_by_shares",
            size="large",
            areas_served=["E05015200"],
            independent=False,
            asset_lock=False,
        )
    )
    c = await published(
        h,
        eligibility={
            "legal_forms": ["cic_limited_by_guarantee"],
            "max_size": "small",
            "must_serve_area": True,
            "social_enterprise_only": True,
        },
    )
    r = await bid(h, c["id"], e)
    assert r.status_code == 422
    problem = r.json()
    assert problem["type"].endswith("/ineligible")
    assert [u["rule"] for u in problem["unmet"]] == [
        "verified",
        "legal_form",
        "max_size",
        "must_serve_area",
        "social_enterprise.independence",
        "social_enterprise.asset_lock",
    ]


async def test_a_bid_after_the_deadline_is_refused_before_the_scheduler_runs(harness: Any) -> None:
    h = harness
    e = str(new_id())
    await h.enterprise(h.record(e, "Late CIC"))
    c = await published(h)
    h.clock.advance(days=10)
    r = await bid(h, c["id"], e)
    assert r.status_code == 409
    assert r.json()["type"].endswith("/deadline-passed")
    assert (await h.client.get(f"/v1/commissions/{c['id']}")).json()["status"] == "open"


async def test_one_live_bid_per_lot_and_a_withdrawn_bid_can_be_replaced(harness: Any) -> None:
    h = harness
    e = str(new_id())
    await h.enterprise(h.record(e, "Keen CIC"))
    c = await published(h)
    first = await bid(h, c["id"], e)
    assert first.status_code == 201
    assert (await bid(h, c["id"], e)).status_code == 409
    assert (await bid(h, c["id"], e, lot="lot-2")).status_code == 201
    revised = await h.client.patch(
        f"/v1/commissions/{c['id']}/bids/{first.json()['id']}",
        json={"price": {"amount": "2500.00"}},
        headers=h.bidder(e),
    )
    assert revised.json()["price"]["amount"] == "2500.00"
    w = await h.client.post(
        f"/v1/commissions/{c['id']}/bids/{first.json()['id']}/withdrawal", headers=h.bidder(e)
    )
    assert w.json()["status"] == "withdrawn"
    assert (await bid(h, c["id"], e)).status_code == 201


async def test_a_suspended_enterprise_is_disqualified_at_the_deadline(harness: Any) -> None:
    h = harness
    good, bad = str(new_id()), str(new_id())
    await h.enterprise(h.record(good, "Good CIC"))
    await h.enterprise(h.record(bad, "Bad CIC"))
    c = await published(h)
    assert (await bid(h, c["id"], good)).status_code == 201
    bad_bid = await bid(h, c["id"], bad, lot="lot-2")
    await h.enterprise(h.record(bad, "Bad CIC", status="suspended"), kind="suspended")
    h.clock.advance(days=10, seconds=1)
    assert await h.run_due_jobs() == 1
    assert await h.run_due_jobs() == 0
    seen = (
        await h.client.get(
            f"/v1/commissions/{c['id']}/bids/{bad_bid.json()['id']}", headers=h.bidder(bad)
        )
    ).json()
    assert seen["status"] == "disqualified"
    assert "suspended" in seen["disqualified_reason"]
    got = (await h.client.get(f"/v1/commissions/{c['id']}")).json()
    assert [lot["status"] for lot in got["lots"]] == ["open", "unsuccessful"]
    closed = [e for e in await h.published() if e.short_type.endswith("closed.v1")][-1]
    assert closed.data["lots"] == [{"lot_id": "lot-1", "bids": 1}, {"lot_id": "lot-2", "bids": 1}]


async def test_a_bid_whose_enterprise_is_suspended_before_award_is_disqualified(
    harness: Any,
) -> None:
    h = harness
    a, b = str(new_id()), str(new_id())
    await h.enterprise(h.record(a, "A CIC"))
    await h.enterprise(h.record(b, "B CIC"))
    c = await published(h)
    bid_a = (await bid(h, c["id"], a, price="1000.00")).json()
    bid_b = (await bid(h, c["id"], b, price="2000.00")).json()
    h.clock.advance(days=11)
    await h.run_due_jobs()
    for x in (bid_a, bid_b):
        await h.client.put(
            f"/v1/commissions/{c['id']}/bids/{x['id']}/score",
            json={"quality": 70, "social_value": 70},
            headers=h.council(),
        )
    await h.enterprise(h.record(a, "A CIC", status="suspended"), kind="suspended")
    chosen = await h.client.post(
        f"/v1/commissions/{c['id']}/lots/lot-1/award",
        json={"bid_id": bid_a["id"]},
        headers=h.council(),
    )
    assert chosen.status_code == 422
    assert "suspended" in chosen.json()["unmet"][0]["reason"]
    award = await h.client.post(f"/v1/commissions/{c['id']}/lots/lot-1/award", headers=h.council())
    assert award.status_code == 201
    assert award.json()["supplier"]["enterprise_id"] == b


async def test_an_open_commission_records_amendments_and_refuses_other_changes(
    harness: Any,
) -> None:
    h = harness
    c = await published(h)
    later = dict(c["timeline"], tender_end=c["timeline"]["award_by"])
    r = await h.client.patch(
        f"/v1/commissions/{c['id']}",
        json={"timeline": later, "amendment_rationale": "More time for small groups"},
        headers=h.council(),
    )
    assert r.status_code == 200, r.text
    assert r.json()["amendments"][0]["changed_fields"] == ["timeline"]
    refused = await h.client.patch(
        f"/v1/commissions/{c['id']}", json={"title": "New"}, headers=h.council()
    )
    assert refused.status_code == 409
    earlier = dict(c["timeline"], tender_end=c["timeline"]["enquiry_end"])
    shrink = await h.client.patch(
        f"/v1/commissions/{c['id']}", json={"timeline": earlier}, headers=h.council()
    )
    assert shrink.status_code == 409
    amended = [e for e in await h.published() if e.short_type.endswith("amended.v1")]
    assert [e.data["changed_fields"] for e in amended] == [["timeline"]]


async def test_cancelling_publishes_the_reason_but_a_cancelled_draft_stays_private(
    harness: Any,
) -> None:
    h = harness
    draft = (
        await h.client.post("/v1/commissions", json=h.body(h.clock.now()), headers=h.council())
    ).json()
    r = await h.client.post(
        f"/v1/commissions/{draft['id']}/cancel", json={"reason": "Budget"}, headers=h.council()
    )
    assert r.json()["status"] == "cancelled"
    c = await published(h)
    await h.client.post(
        f"/v1/commissions/{c['id']}/cancel", json={"reason": "Merged"}, headers=h.council()
    )
    cancels = [e for e in await h.published() if e.short_type.endswith("cancelled.v1")]
    assert [(e.data["commission_id"], e.data["reason"]) for e in cancels] == [(c["id"], "Merged")]


async def test_eligible_for_lists_only_commissions_the_enterprise_may_bid_for(harness: Any) -> None:
    h = harness
    coop = str(new_id())
    await h.enterprise(h.record(coop, "Co-op", legal_form="cooperative_society"))
    open_to_all = await published(h)
    cics_only = await published(h, eligibility={"legal_forms": ["cic_limited_by_shares"]})
    r = await h.client.get("/v1/commissions", params={"eligible_for": coop})
    ids = [c["id"] for c in r.json()["items"]]
    assert open_to_all["id"] in ids
    assert cics_only["id"] not in ids


async def test_lists_page_by_cursor_with_a_link_header(harness: Any) -> None:
    h = harness
    made = [(await published(h))["id"] for _ in range(3)]
    first = await h.client.get("/v1/commissions", params={"limit": 2})
    assert [c["id"] for c in first.json()["items"]] == made[:2]
    assert 'rel="next"' in first.headers["link"]
    second = await h.client.get(
        "/v1/commissions", params={"limit": 2, "cursor": first.json()["next_cursor"]}
    )
    assert [c["id"] for c in second.json()["items"]] == made[2:]
    assert second.json()["next_cursor"] is None
    assert (await h.client.get("/v1/commissions", params={"limit": 201})).status_code == 422
    assert (await h.client.get("/v1/commissions", params={"cursor": "!!"})).status_code == 422


async def test_etags_give_304_and_a_stale_if_match_gives_412(harness: Any) -> None:
    h = harness
    draft = await h.client.post("/v1/commissions", json=h.body(h.clock.now()), headers=h.council())
    url = f"/v1/commissions/{draft.json()['id']}"
    tag = draft.headers["etag"]
    again = await h.client.get(url, headers={**h.council(), "If-None-Match": tag})
    assert again.status_code == 304
    ok = await h.client.patch(
        url, json={"title": "Renamed"}, headers={**h.council(), "If-Match": tag}
    )
    assert ok.status_code == 200
    stale = await h.client.patch(
        url, json={"title": "Again"}, headers={**h.council(), "If-Match": tag}
    )
    assert stale.status_code == 412


async def test_unknown_fields_and_broken_rules_are_422(harness: Any) -> None:
    h = harness
    body = h.body(h.clock.now(), surprise=True)
    assert (
        await h.client.post("/v1/commissions", json=body, headers=h.council())
    ).status_code == 422
    bad = h.body(h.clock.now(), award_criteria=[{"name": "price", "weight": 100}])
    r = await h.client.post("/v1/commissions", json=bad, headers=h.council())
    assert r.status_code == 422
    assert r.json()["errors"][0]["msg"] == "social_value must weigh at least 10"
    fylde = await h.client.post(
        "/v1/commissions", json=h.body(h.clock.now()), headers=h.council("GB-LAE-FYL", "E07000119")
    )
    assert fylde.status_code == 422


async def test_a_withdrawn_verification_adds_a_reversal_line(harness: Any) -> None:
    h = harness
    e = str(new_id())
    await h.enterprise(h.record(e, "Solo CIC"))
    c = await published(h)
    b = (await bid(h, c["id"], e)).json()
    h.clock.advance(days=11)
    await h.run_due_jobs()
    await h.client.put(
        f"/v1/commissions/{c['id']}/bids/{b['id']}/score",
        json={"quality": 50, "social_value": 50},
        headers=h.council(),
    )
    k = (
        await h.client.post(f"/v1/commissions/{c['id']}/lots/lot-1/award", headers=h.council())
    ).json()
    h.after_first_period()
    obs = str(new_id())
    for kind in ("reported", "verified", "verification_withdrawn"):
        await h.deliver(
            "outcomes.observation.v1", k["id"], h.observation_event(kind, obs, k["id"], "4")
        )
    lines = (await h.client.get(f"/v1/contracts/{k['id']}/payments", headers=h.bidder(e))).json()
    assert [
        (ln["kind"], ln["amount"]["amount"], ln["running_total"]["amount"]) for ln in lines["lines"]
    ] == [
        ("payment", "200.00", "200.00"),
        ("reversal", "-200.00", "0.00"),
    ]


async def test_a_retried_post_with_the_same_idempotency_key_replays_the_draft(harness: Any) -> None:
    h = harness
    headers = {**h.council(), "Idempotency-Key": "draft-1"}
    body = h.body(h.clock.now())
    first = await h.client.post("/v1/commissions", json=body, headers=headers)
    again = await h.client.post("/v1/commissions", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    other = await h.client.post("/v1/commissions", json={**body, "title": "Other"}, headers=headers)
    assert other.status_code == 422


async def test_an_answered_question_is_published_to_the_feed_without_its_asker(
    harness: Any,
) -> None:
    h = harness
    asker = str(new_id())
    await h.enterprise(h.record(asker, "Asking CIC"))
    c = await published(h)
    asked = await h.client.post(
        f"/v1/commissions/{c['id']}/questions",
        json={"text": "May we bid for two wards?"},
        headers=h.bidder(asker),
    )
    assert asked.status_code == 201, asked.text
    assert "commissioning.question.answered.v1" not in await h.published_types()
    answered = await h.client.post(
        f"/v1/commissions/{c['id']}/questions/{asked.json()['id']}/answer",
        json={"answer": "Yes, one bid per ward."},
        headers=h.council(),
    )
    assert answered.status_code == 200, answered.text
    events = [
        e for e in await h.published() if e.short_type == "commissioning.question.answered.v1"
    ]
    assert len(events) == 1
    event = events[0]
    assert event.subject == f"commission/{c['id']}"
    assert event.data == {
        "commission_id": c["id"],
        "question_id": asked.json()["id"],
        "question": "May we bid for two wards?",
        "answer": "Yes, one bid per ward.",
        "asked_at": asked.json()["asked_at"],
        "answered_at": answered.json()["answered_at"],
    }
    assert asker not in event.to_json().decode()
    # Ordered with the commission's other events: the next version of the commission.
    published_event = next(
        e for e in await h.published() if e.short_type == "commissioning.commission.published.v1"
    )
    assert event.seq == published_event.seq + 1
