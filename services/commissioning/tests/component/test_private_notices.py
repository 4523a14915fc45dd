"""Private notices: each tender and contract fact reaches its one principal, and nobody else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from streetlevel.common.events import Envelope
from streetlevel.common.ids import new_id
from streetlevel.testing.waiting import eventually

from .test_api_flow import open_commission

PRIVATE = "commissioning.private.v1"


async def _notices(h: Any, n: int) -> list[Envelope]:
    async def enough() -> bool:
        await h.published()  # drains the outbox
        return len(h.bus.private) >= n

    await eventually(enough, f"{n} private notices")
    assert all(e.model_extra.get("audience") for e in h.bus.private)
    return list(h.bus.private)


def _leaves(value: Any) -> Iterator[Any]:
    """Every scalar in a JSON document (keys included)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _is_amount(value: Any, amount: Decimal) -> bool:
    try:
        return not isinstance(value, bool) and Decimal(str(value)) == amount
    except InvalidOperation:
        return False


def _of(notices: list[Envelope], kind: str) -> list[Envelope]:
    return [e for e in notices if e.short_type == f"commissioning.{kind}.v1"]


async def test_tender_and_contract_facts_are_private_notices_to_their_principal(
    harness: Any,
) -> None:
    h = harness
    a, b = str(new_id()), str(new_id())
    await h.enterprise(h.record(a, "Anchorsholme Notice CIC"))
    await h.enterprise(h.record(b, "Bispham Notice Co-op", legal_form="cooperative_society"))
    cid = (await open_commission(h))["id"]
    bids = {}
    for who, price in ((a, "5000.00"), (b, "4000.00")):
        r = await h.client.post(
            f"/v1/commissions/{cid}/bids",
            json={"lot_id": "lot-1", "price": {"amount": price}, "proposal": f"secret {who}"},
            headers=h.bidder(who),
        )
        assert r.status_code == 201, r.text
        bids[who] = r.json()["id"]
    h.clock.advance(days=11)
    assert await h.run_due_jobs() == 1
    closed = _of(await _notices(h, 1), "commission.deadline_passed")
    assert len(closed) == 1
    assert closed[0].model_extra["audience"] == "org:GB-LAE-BPL"
    assert {lot["lot_id"]: lot["bids"] for lot in closed[0].data["lots"]} == {
        "lot-1": 2,
        "lot-2": 0,
    }
    for who, quality in ((a, 90), (b, 60)):
        r = await h.client.put(
            f"/v1/commissions/{cid}/bids/{bids[who]}/score",
            json={"quality": quality, "social_value": 80, "note": f"feedback for {who}"},
            headers=h.council(),
        )
        assert r.status_code == 200, r.text
    award = await h.client.post(f"/v1/commissions/{cid}/lots/lot-1/award", headers=h.council())
    assert award.status_code == 201, award.text
    contract = award.json()
    outcomes = _of(await _notices(h, 3), "bid.outcome_decided")
    assert {e.model_extra["audience"]: e.data["outcome"] for e in outcomes} == {
        f"enterprise:{a}": "awarded",
        f"enterprise:{b}": "unsuccessful",
    }
    for notice in outcomes:
        who = notice.model_extra["audience"].removeprefix("enterprise:")
        other = b if who == a else a
        # Its own bid, scores and feedback; nothing of the other bidder's.
        assert notice.data["bid_id"] == bids[who]
        assert notice.data["quality_score"] is not None
        assert other not in notice.to_json().decode()
        assert "secret" not in notice.to_json().decode()
    h.clock.advance(days=20)
    r = await h.client.post(f"/v1/contracts/{contract['id']}/activate", headers=h.council())
    assert r.status_code == 200, r.text
    activated = _of(await _notices(h, 4), "contract.activation_confirmed")
    assert [e.model_extra["audience"] for e in activated] == [f"enterprise:{a}"]
    assert activated[0].data["contract_id"] == contract["id"]
    h.after_first_period()
    obs = str(new_id())
    for kind in ("reported", "verified"):
        event = h.observation_event(kind, obs, contract["id"], "12")
        await h.deliver("outcomes.observation.v1", contract["id"], event)
    paid = _of(await _notices(h, 5), "contract.payment_recorded")
    assert paid, "a payment notice"
    assert {e.model_extra["audience"] for e in paid} == {f"enterprise:{a}"}
    assert paid[-1].data["kind"] == "payment"
    assert paid[-1].data["observation_id"] == obs
    # Every notice is on the private topic and names exactly one principal.
    every = await _notices(h, 5)
    assert all(e.model_extra["audience"].count(":") == 1 for e in every)
    assert {e.short_type.split(".")[1] for e in every} <= {
        "commission",
        "bid",
        "contract",
        "payable",
    }
    # The verified outcome is a payable too: raised to the supplier alone.
    raised = _of(every, "payable.raised")
    assert [e.data["basis"] for e in raised] == ["outcome"]
    assert {e.model_extra["audience"] for e in raised} == {f"enterprise:{a}"}


async def test_the_tender_tells_the_council_and_each_enterprise_of_its_own_business(
    harness: Any,
) -> None:
    """Eligible work on publishing, questions both ways, bid counts (never who) to the buyer."""
    h = harness
    near, far, pending = str(new_id()), str(new_id()), str(new_id())
    await h.enterprise(h.record(near, "Anchorsholme Near CIC"))
    await h.enterprise(h.record(far, "Elsewhere CIC", areas_served=["E05008000"]))
    await h.enterprise(h.record(pending, "Pending CIC", status="pending"), kind="registered")
    cid = (await open_commission(h))["id"]
    eligible = _of(await _notices(h, 1), "commission.eligible")
    assert [e.model_extra["audience"] for e in eligible] == [f"enterprise:{near}"]
    assert eligible[0].data["lot_ids"] == ["lot-1", "lot-2"]

    asked = await h.client.post(
        f"/v1/commissions/{cid}/questions",
        json={"text": "May we sub-contract?"},
        headers=h.bidder(near),
    )
    assert asked.status_code == 201, asked.text
    qid = asked.json()["id"]
    [question] = _of(await _notices(h, 2), "question.asked")
    assert question.model_extra["audience"] == "org:GB-LAE-BPL"
    assert question.data["question"] == "May we sub-contract?"
    assert near not in question.to_json().decode(), "the council is not told who asked"
    answered = await h.client.post(
        f"/v1/commissions/{cid}/questions/{qid}/answer",
        json={"answer": "Yes, with notice."},
        headers=h.council(),
    )
    assert answered.status_code == 200, answered.text
    [answer] = _of(await _notices(h, 3), "question.answer_received")
    assert answer.model_extra["audience"] == f"enterprise:{near}"
    assert answer.data["answer"] == "Yes, with notice."

    bid = await h.client.post(
        f"/v1/commissions/{cid}/bids",
        json={"lot_id": "lot-1", "price": {"amount": "5000.00"}, "proposal": "secret plan"},
        headers=h.bidder(near),
    )
    assert bid.status_code == 201, bid.text
    withdrawn = await h.client.post(
        f"/v1/commissions/{cid}/bids/{bid.json()['id']}/withdrawal", headers=h.bidder(near)
    )
    assert withdrawn.status_code == 200, withdrawn.text
    counts = _of(await _notices(h, 5), "commission.bids_received")
    assert [e.model_extra["audience"] for e in counts] == ["org:GB-LAE-BPL"] * 2
    assert [{lot["lot_id"]: lot["bids"] for lot in e.data["lots"]} for e in counts] == [
        {"lot-1": 1, "lot-2": 0},
        {"lot-1": 0, "lot-2": 0},
    ]
    for notice in counts:
        text = notice.to_json().decode()
        assert near not in text
        assert "secret" not in text
        # The price in any spelling (a random id may contain the digits "5000" by chance).
        assert "5000.00" not in text
        assert not any(_is_amount(v, Decimal(5000)) for v in _leaves(json.loads(text)))
