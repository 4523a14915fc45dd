"""Evaluation complete: the buyer council is told once per lot, when the lot may be awarded."""

from __future__ import annotations

from typing import Any

from streetlevel.common.events import Envelope
from streetlevel.common.ids import new_id

from .test_api_flow import open_commission
from .test_procurement_cycle import CRITERIA, above_threshold

COMPLETED = "commissioning.commission.evaluation_completed.v1"


async def _completed(h: Any) -> list[Envelope]:
    await h.published()  # drains the outbox
    return [e for e in h.bus.private if e.short_type == COMPLETED]


async def _bid(h: Any, cid: str, who: str, price: str) -> str:
    r = await h.client.post(
        f"/v1/commissions/{cid}/bids",
        json={"lot_id": "lot-1", "price": {"amount": price}, "proposal": f"secret {who}"},
        headers=h.bidder(who),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_the_last_score_of_a_lot_tells_its_council_once(harness: Any) -> None:
    h = harness
    a, b = str(new_id()), str(new_id())
    await h.enterprise(h.record(a, "Anchorsholme Scored CIC"))
    await h.enterprise(h.record(b, "Bispham Scored Co-op", legal_form="cooperative_society"))
    cid = (await open_commission(h))["id"]
    bids = {who: await _bid(h, cid, who, price) for who, price in ((a, "5000.00"), (b, "4000.00"))}
    h.clock.advance(days=11)
    assert await h.run_due_jobs() == 1

    async def score(who: str, quality: int) -> None:
        r = await h.client.put(
            f"/v1/commissions/{cid}/bids/{bids[who]}/score",
            json={"quality": quality, "social_value": 70, "note": "feedback"},
            headers=h.council(),
        )
        assert r.status_code == 200, r.text

    await score(a, 90)
    assert await _completed(h) == [], "one bid of the lot is still unscored"
    await score(b, 60)
    [done] = await _completed(h)
    assert done.model_extra["audience"] == "org:GB-LAE-BPL"
    assert done.data == {
        "commission_id": cid,
        "lot_id": "lot-1",
        "method": "scores",
        "bids": 2,
        "completed_at": h.clock.now().isoformat(),
    }
    text = done.to_json().decode()
    for secret in (a, b, "secret"):
        assert secret not in text, "no bidder, no content"
    await score(a, 85)  # a re-score before award changes the ranking, not the completeness
    assert len(await _completed(h)) == 1


async def test_the_last_moderated_score_of_a_panel_lot_tells_its_council(harness: Any) -> None:
    h = harness
    a, b = str(new_id()), str(new_id())
    await h.enterprise(h.record(a, "Anchorsholme Panel CIC"))
    await h.enterprise(h.record(b, "Bispham Panel Co-op", legal_form="cooperative_society"))
    r = await h.client.post("/v1/commissions", json=above_threshold(h), headers=h.council())
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert (await h.client.post(f"/v1/commissions/{cid}/publish", headers=h.council())).is_success
    for who, price in ((a, "90000.00"), (b, "80000.00")):
        await _bid(h, cid, who, price)
    h.clock.advance(days=31)
    assert await h.run_due_jobs() == 1
    panel = f"/v1/commissions/{cid}/lots/lot-1/panel"
    chair = [{"id": "m1", "name": "Pat Chair", "role": "chair"}]
    assert (await h.client.put(panel, json={"members": chair}, headers=h.council())).is_success
    for who in (a, b):
        d = await h.client.post(
            f"{panel}/declarations",
            json={"member_id": "m1", "bidder_id": who, "conflicted": False, "details": ""},
            headers=h.council(),
        )
        assert d.status_code == 200, d.text
    assert (await h.client.post(f"{panel}/members/m1/release", headers=h.council())).is_success
    for who in (a, b):
        for criterion in CRITERIA:
            s = await h.client.put(
                f"{panel}/scores",
                json={
                    "member_id": "m1",
                    "bidder_id": who,
                    "criterion": criterion,
                    "score": 70,
                    "reason": "evidence",
                },
                headers=h.council(),
            )
            assert s.status_code == 200, s.text
    assert (await h.client.post(f"{panel}/moderation", headers=h.council())).is_success
    steps = [(who, criterion) for who in (a, b) for criterion in CRITERIA]
    for i, (who, criterion) in enumerate(steps):
        assert await _completed(h) == [], f"{len(steps) - i} moderated scores outstanding"
        mod = await h.client.put(
            f"{panel}/moderated",
            json={
                "moderator_id": "m1",
                "bidder_id": who,
                "criterion": criterion,
                "score": 80 if who == a else 60,
                "rationale": f"agreed on {criterion}",
            },
            headers=h.council(),
        )
        assert mod.status_code == 200, mod.text
    [done] = await _completed(h)
    assert done.model_extra["audience"] == "org:GB-LAE-BPL"
    assert (done.data["lot_id"], done.data["method"], done.data["bids"]) == ("lot-1", "panel", 2)
    made = await h.client.post(f"/v1/commissions/{cid}/lots/lot-1/award", headers=h.council())
    assert made.status_code == 201, made.text
    assert len(await _completed(h)) == 1, "the award is not a second completion"
