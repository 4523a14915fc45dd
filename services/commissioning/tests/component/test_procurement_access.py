"""Who may run a lot's panel and read an assessment summary: the access rules and the routes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from streetlevel.commissioning.domain.commission import Commission
from streetlevel.commissioning.service.access import sees_summary
from streetlevel.common.ids import new_id
from streetlevel.testing.tokens import access_principals

BIDDER = "e-bidder"
#: Who reads bidder e-bidder's summary of a commission bought by GB-LAE-BPL.
SUMMARY = {
    "anonymous": False,
    "app": False,
    "council": True,
    "other_council": False,
    "itself": True,
    "other_enterprise": False,
    "registrar": False,
}


@pytest.mark.parametrize("name", sorted(SUMMARY))
def test_a_summary_is_private_to_its_bidder_and_the_buyer(name: str) -> None:
    c = Commission(id="c1", buyer_id="GB-LAE-BPL", status="awarded", created_at=datetime.now(UTC))
    assert sees_summary(access_principals(BIDDER)[name], c, BIDDER) is SUMMARY[name]


async def test_only_the_buyer_council_runs_the_panel(harness: Any, kit: Any) -> None:
    h = harness
    a = str(new_id())
    await h.enterprise(h.record(a, "Steady CIC"))
    r = await h.client.post("/v1/commissions", json=h.body(h.clock.now()), headers=h.council())
    cid = r.json()["id"]
    await h.client.post(f"/v1/commissions/{cid}/publish", headers=h.council())
    await h.client.post(
        f"/v1/commissions/{cid}/bids",
        json={"lot_id": "lot-1", "price": {"amount": "1000.00"}, "proposal": "p"},
        headers=h.bidder(a),
    )
    h.clock.advance(days=11)
    await h.run_due_jobs()
    panel = f"/v1/commissions/{cid}/lots/lot-1/panel"
    callers = {
        "buyer": h.council(),
        "other_council": h.council("GB-LAE-FYL", "E07000119"),
        "bidder": h.bidder(a),
        "anonymous": {},
    }
    members = {"members": [{"id": "m1", "name": "Pat", "role": "chair"}]}
    declaration = {"member_id": "m1", "bidder_id": a, "conflicted": False}
    rows: list[tuple[str, str, dict[str, Any] | None, tuple[int, ...]]] = [
        ("PUT", panel, members, (200, 403, 403, 401)),
        ("GET", panel, None, (200, 403, 403, 401)),
        ("POST", f"{panel}/declarations", declaration, (200, 403, 403, 401)),
        ("POST", f"{panel}/members/m1/release", None, (200, 403, 403, 401)),
        (
            "PUT",
            f"{panel}/scores",
            {"member_id": "m1", "bidder_id": a, "criterion": "quality", "score": 5, "reason": "r"},
            (200, 403, 403, 401),
        ),
        ("POST", f"{panel}/moderation", None, (409, 403, 403, 401)),  # scores outstanding
        ("GET", f"/v1/commissions/{cid}/lots/lot-1/summaries/{a}", None, (404, 403, 404, 403)),
    ]
    failures = []
    for method, url, body, expected in rows:
        for (who, headers), want in zip(callers.items(), expected, strict=True):
            got = await h.client.request(method, url, json=body, headers=headers)
            if got.status_code != want:
                failures.append(f"{who} {method} {url}: {got.status_code} != {want}")
    assert failures == []
