"""An above-threshold cycle through the API: UK4, panel, conflicts, moderation, award, UK6, UK7."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from streetlevel.common.ids import new_id

NOTICE = "commissioning.notice.published.v1"
CRITERIA = ("price", "quality", "social_value")


def above_threshold(h: Any) -> dict[str, Any]:
    now = h.clock.now()
    body = h.body(now, eligibility={"verified_only": True}, cpv_codes=["85311000-2"])
    for lot in body["lots"]:
        lot["value"] = {"amount": "100000.00", "currency": "GBP"}
    body["value"] = {"amount": "200000.00", "currency": "GBP"}
    body["timeline"] |= {
        "tender_end": (now + timedelta(days=30)).isoformat(),
        "award_by": (now + timedelta(days=40)).isoformat(),
        "contract_start": (now + timedelta(days=60)).isoformat(),
    }
    return body


async def notices(h: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(e.data["notice_type"], e.data) for e in await h.published() if e.short_type == NOTICE]


async def test_an_above_threshold_lot_is_awarded_by_a_conflict_free_moderated_panel(
    harness: Any,
) -> None:
    h = harness
    a, b = str(new_id()), str(new_id())
    await h.enterprise(h.record(a, "Anchorsholme Friends CIC"))
    await h.enterprise(h.record(b, "Bispham Co-op", legal_form="cooperative_society"))
    r = await h.client.post("/v1/commissions", json=above_threshold(h), headers=h.council())
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert (await h.client.post(f"/v1/commissions/{cid}/publish", headers=h.council())).is_success
    uk4 = [d for t, d in await notices(h) if t == "UK4" and d["commission_id"] == cid]
    assert len(uk4) == 1
    assert uk4[0]["fields"]["cpv_codes"] == ["85311000-2"]
    assert uk4[0]["fields"]["estimated_value"] == {"amount": "240000.00", "currency": "GBP"}
    bids = {}
    for who, price in ((a, "90000.00"), (b, "80000.00")):
        made = await h.client.post(
            f"/v1/commissions/{cid}/bids",
            json={"lot_id": "lot-1", "price": {"amount": price}, "proposal": "Our plan"},
            headers=h.bidder(who),
        )
        assert made.status_code == 201, made.text
        bids[who] = made.json()["id"]
    panel = f"/v1/commissions/{cid}/lots/lot-1/panel"
    early = await h.client.put(
        panel,
        json={"members": [{"id": "m1", "name": "A Chair", "role": "chair"}]},
        headers=h.council(),
    )
    assert early.status_code == 409  # no panel evaluates before the deadline
    h.clock.advance(days=31)  # Thursday 24 December 2026
    assert await h.run_due_jobs() == 1
    members = [
        {"id": "m1", "name": "Pat Chair", "role": "chair"},
        {"id": "m2", "name": "Sam Evaluator", "role": "evaluator"},
        {"id": "m3", "name": "Alex Evaluator", "role": "evaluator"},
    ]
    other = h.council("GB-LAE-FYL", "E07000119")
    assert (await h.client.put(panel, json={"members": members}, headers=other)).status_code == 403
    r = await h.client.put(panel, json={"members": members}, headers=h.council())
    assert r.status_code == 200, r.text
    assert sorted(r.json()["bidders"]) == sorted([a, b])
    for m in ("m1", "m2", "m3"):
        for who in (a, b):
            conflicted = (m, who) == ("m2", b)
            d = await h.client.post(
                f"{panel}/declarations",
                json={
                    "member_id": m,
                    "bidder_id": who,
                    "conflicted": conflicted,
                    "details": "Trustee of the co-op" if conflicted else "",
                },
                headers=h.council(),
            )
            assert d.status_code == 200, d.text
    seen = await h.client.post(f"{panel}/members/m2/release", headers=h.council())
    assert seen.json()["visible_bidders"] == [a]
    for m in ("m1", "m3"):
        assert (await h.client.post(f"{panel}/members/{m}/release", headers=h.council())).is_success

    async def score(m: str, who: str, criterion: str, value: int) -> Any:
        return await h.client.put(
            f"{panel}/scores",
            json={
                "member_id": m,
                "bidder_id": who,
                "criterion": criterion,
                "score": value,
                "reason": f"{criterion} evidence",
            },
            headers=h.council(),
        )

    refused = await score("m2", b, "quality", 50)
    assert refused.status_code == 409
    assert refused.json()["rule"] == "conflicted_member"
    assert "ss.81-83" in refused.json()["section"]
    for m in ("m1", "m2", "m3"):
        for who, value in ((a, 80), (b, 60)):
            if (m, who) == ("m2", b):
                continue
            for criterion in CRITERIA:
                assert (await score(m, who, criterion, value)).status_code == 200
    legacy = await h.client.put(
        f"/v1/commissions/{cid}/bids/{bids[a]}/score",
        json={"quality": 90, "social_value": 80},
        headers=h.council(),
    )
    assert legacy.status_code == 409
    assert legacy.json()["rule"] == "panel_required"
    assert (await h.client.post(f"{panel}/moderation", headers=h.council())).is_success
    fixed = await score("m1", a, "quality", 10)
    assert (fixed.status_code, fixed.json()["rule"]) == (409, "scores_fixed")
    for who, value in ((a, 80), (b, 60)):
        for criterion in CRITERIA:
            mod = await h.client.put(
                f"{panel}/moderated",
                json={
                    "moderator_id": "m1",
                    "bidder_id": who,
                    "criterion": criterion,
                    "score": value,
                    "rationale": f"agreed on {criterion}",
                },
                headers=h.council(),
            )
            assert mod.status_code == 200, mod.text
    award = f"/v1/commissions/{cid}/lots/lot-1/award"
    off = await h.client.post(award, json={"bid_id": bids[b]}, headers=h.council())
    assert (off.status_code, off.json()["rule"]) == (409, "award_off_ranking")
    made = await h.client.post(award, headers=h.council())
    assert made.status_code == 201, made.text
    contract = made.json()
    assert contract["supplier"]["enterprise_id"] == a
    # 8 working days beginning with Thursday 24 December: Christmas, the Boxing Day substitute
    # (28th), New Year's Day and Scotland's 2 January substitute (4th) are skipped.
    assert contract["standstill_end"] == "2027-01-09T00:00:00Z"
    summary = f"/v1/commissions/{cid}/lots/lot-1/summaries/{b}"
    mine = await h.client.get(summary, headers=h.bidder(b))
    assert mine.status_code == 200, mine.text
    assert (mine.json()["successful"], mine.json()["winner_id"]) == (False, a)
    assert mine.json()["criteria"][1]["winner"]["score"] == "80"
    assert (await h.client.get(summary, headers=h.bidder(a))).status_code == 403
    assert (await h.client.get(summary, headers=other)).status_code == 403
    assert (await h.client.get(summary)).status_code in (401, 403)
    assert (await h.client.get(summary, headers=h.council())).status_code == 200
    uk6 = [d for t, d in await notices(h) if t == "UK6" and d["commission_id"] == cid]
    assert len(uk6) == 1
    assert uk6[0]["fields"]["standstill_end"] == "2027-01-09T00:00:00Z"
    assert "Our plan" not in str(uk6)
    assert "evidence" not in str(uk6)
    url = f"/v1/contracts/{contract['id']}"
    assert (await h.client.post(f"{url}/activate", headers=h.council())).status_code == 409
    h.clock.set(h.clock.now().replace(year=2027, month=1, day=9, hour=0, minute=0))
    entered = await h.client.post(f"{url}/activate", headers=h.council())
    assert entered.status_code == 200, entered.text
    uk7 = [d for t, d in await notices(h) if t == "UK7" and d["commission_id"] == cid]
    assert len(uk7) == 1
    assert uk7[0]["contract_id"] == contract["id"]
    assert uk7[0]["fields"]["conflicts_assessment_confirmed"] is True


async def test_a_regulated_lot_cannot_be_awarded_without_its_panel(harness: Any) -> None:
    h = harness
    a = str(new_id())
    await h.enterprise(h.record(a, "Steady CIC"))
    r = await h.client.post("/v1/commissions", json=above_threshold(h), headers=h.council())
    cid = r.json()["id"]
    await h.client.post(f"/v1/commissions/{cid}/publish", headers=h.council())
    await h.client.post(
        f"/v1/commissions/{cid}/bids",
        json={"lot_id": "lot-1", "price": {"amount": "1000.00"}, "proposal": "p"},
        headers=h.bidder(a),
    )
    h.clock.advance(days=31)
    await h.run_due_jobs()
    refused = await h.client.post(f"/v1/commissions/{cid}/lots/lot-1/award", headers=h.council())
    assert refused.status_code == 409
    assert refused.json()["rule"] == "panel_required"
    cancelled = await h.client.post(
        f"/v1/commissions/{cid}/cancel", json={"reason": "Budget withdrawn"}, headers=h.council()
    )
    assert cancelled.status_code == 200, cancelled.text
    uk12 = [d for t, d in await notices(h) if t == "UK12" and d["commission_id"] == cid]
    assert [d["fields"]["reason"] for d in uk12] == ["Budget withdrawn"]
