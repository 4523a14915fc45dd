"""Bid secrecy and object-level authorisation: every principal × every route × every phase."""

from __future__ import annotations

from typing import Any

from streetlevel.common.ids import new_id

PRINCIPALS = ("buyer", "other_council", "bidder", "other_bidder", "registrar", "anonymous")
SECRET_A, SECRET_B = "SECRET-PROPOSAL-A", "SECRET-PROPOSAL-B"
PRICE_A, PRICE_B = "3999.99", "4987.65"

CONFIRM_A = "/v1/commissions/{c}/bids/{a}/members/{ea}/confirmation"
CONFIRM_B = "/v1/commissions/{c}/bids/{a}/members/{eb}/confirmation"

# (method, path, body, expected status per principal in PRINCIPALS order)
Row = tuple[str, str, dict[str, Any] | None, tuple[int, ...]]


def rows_open() -> list[Row]:
    return [
        ("GET", "/v1/commissions/{c}", None, (200,) * 6),
        ("GET", "/v1/commissions", None, (200,) * 6),
        ("PATCH", "/v1/commissions/{c}", {"need": "More"}, (200, 403, 403, 403, 403, 401)),
        ("POST", "/v1/commissions/{c}/publish", None, (409, 403, 403, 403, 403, 401)),
        ("POST", "/v1/commissions/{c}/cancel", {"reason": "x"}, (None, 403, 403, 403, 403, 401)),
        ("POST", "/v1/commissions/{c}/questions", {"text": "Q?"}, (403, 403, 201, 201, 403, 401)),
        ("GET", "/v1/commissions/{c}/questions", None, (200,) * 6),
        (
            "POST",
            "/v1/commissions/{c}/questions/{q}/answer",
            {"answer": "A"},
            (200, 403, 403, 403, 403, 401),
        ),
        (
            "POST",
            "/v1/commissions/{c}/bids",
            {"lot_id": "lot-1", "price": {"amount": "1.00"}, "proposal": "again"},
            (403, 403, 409, 409, 403, 401),
        ),
        ("GET", "/v1/commissions/{c}/bids", None, (403, 200, 200, 200, 200, 200)),
        ("GET", "/v1/commissions/{c}/bids/{a}", None, (404, 404, 200, 404, 404, 404)),
        (
            "PATCH",
            "/v1/commissions/{c}/bids/{a}",
            {"proposal": SECRET_A},
            (403, 403, 200, 404, 403, 401),
        ),
        ("POST", "/v1/commissions/{c}/bids/{a}/withdrawal", None, (403, 403, None, 404, 403, 401)),
        # A member confirms its own part only; neither bidder is a member of bid A.
        ("POST", CONFIRM_A, None, (403, 403, 404, 403, 403, 401)),
        ("POST", CONFIRM_B, None, (403, 403, 403, 404, 403, 401)),
        (
            "PUT",
            "/v1/commissions/{c}/bids/{a}/score",
            {"quality": 90, "social_value": 90},
            (409, 403, 403, 403, 403, 401),
        ),
        ("GET", "/v1/commissions/{c}/lots/lot-1/ranking", None, (403,) * 6),
        ("POST", "/v1/commissions/{c}/lots/lot-1/award", {}, (409, 403, 403, 403, 403, 401)),
        ("GET", "/v1/contracts", None, (200,) * 6),
        ("GET", "/v1/ocds/releases", None, (200,) * 6),
    ]


def rows_evaluation() -> list[Row]:
    return [
        ("GET", "/v1/commissions/{c}", None, (200,) * 6),
        ("PATCH", "/v1/commissions/{c}", {"need": "Less"}, (409, 403, 403, 403, 403, 401)),
        ("POST", "/v1/commissions/{c}/questions", {"text": "Q?"}, (403, 403, 409, 409, 403, 401)),
        (
            "POST",
            "/v1/commissions/{c}/bids",
            {"lot_id": "lot-1", "price": {"amount": "1.00"}, "proposal": "late"},
            (403, 403, 409, 409, 403, 401),
        ),
        ("GET", "/v1/commissions/{c}/bids", None, (200,) * 6),
        ("GET", "/v1/commissions/{c}/bids/{a}", None, (200, 404, 200, 404, 404, 404)),
        ("GET", "/v1/commissions/{c}/bids/{b}", None, (200, 404, 404, 200, 404, 404)),
        (
            "PATCH",
            "/v1/commissions/{c}/bids/{a}",
            {"proposal": "late change"},
            (403, 403, 409, 404, 403, 401),
        ),
        ("POST", "/v1/commissions/{c}/bids/{a}/withdrawal", None, (403, 403, 409, 404, 403, 401)),
        ("POST", CONFIRM_A, None, (403, 403, 409, 403, 403, 401)),
        ("POST", CONFIRM_B, None, (403, 403, 403, 409, 403, 401)),
        (
            "PUT",
            "/v1/commissions/{c}/bids/{b}/score",
            {"quality": 50, "social_value": 50},
            (200, 403, 403, 403, 403, 401),
        ),
        (
            "PUT",
            "/v1/commissions/{c}/bids/{a}/score",
            {"quality": 90, "social_value": 90},
            (200, 403, 403, 403, 403, 401),
        ),
        ("GET", "/v1/commissions/{c}/lots/lot-1/ranking", None, (200, 403, 403, 403, 403, 403)),
        ("POST", "/v1/commissions/{c}/lots/lot-1/award", {}, (None, 403, 403, 403, 403, 401)),
    ]


def rows_awarded() -> list[Row]:
    return [
        ("GET", "/v1/commissions/{c}", None, (200,) * 6),
        ("GET", "/v1/commissions/{c}/bids", None, (200,) * 6),
        ("GET", "/v1/commissions/{c}/bids/{a}", None, (200,) * 6),
        ("GET", "/v1/commissions/{c}/bids/{b}", None, (200, 404, 404, 200, 404, 404)),
        ("GET", "/v1/commissions/{c}/lots/lot-1/ranking", None, (200,) * 6),
        ("POST", "/v1/commissions/{c}/lots/lot-1/award", {}, (409, 403, 403, 403, 403, 401)),
        ("POST", "/v1/commissions/{c}/cancel", {"reason": "x"}, (409, 403, 403, 403, 403, 401)),
        ("GET", "/v1/contracts/{k}", None, (200,) * 6),
        ("POST", "/v1/contracts/{k}/activate", None, (409, 403, 403, 403, 403, 401)),
        ("GET", "/v1/contracts/{k}/payments", None, (200,) * 6),
        ("GET", "/v1/ocds/releases", None, (200,) * 6),
        ("GET", "/v1/ocds/records/{ocid}", None, (200,) * 6),
    ]


def may_see(principal: str, phase: str) -> set[str]:
    """Secrets a principal may read in a phase (A wins lot-1; B loses)."""
    seen: set[str] = set()
    if principal == "bidder":
        seen |= {SECRET_A, PRICE_A}
    if principal == "other_bidder":
        seen |= {SECRET_B, PRICE_B}
    if principal == "buyer" and phase != "open":
        seen |= {SECRET_A, SECRET_B, PRICE_A, PRICE_B}
    if phase == "awarded":
        seen.add(PRICE_A)
    return seen


async def run(
    h: Any, phase: str, rows: list[Row], headers: dict[str, dict[str, str]], ids: dict[str, str]
) -> list[str]:
    failures = []
    for method, template, body, expected in rows:
        path = template.format(**ids)
        for principal, want in zip(PRINCIPALS, expected, strict=True):
            if want is None:
                continue
            r = await h.client.request(method, path, json=body, headers=headers[principal])
            if r.status_code != want:
                failures.append(
                    f"{phase} {principal} {method} {template}: {r.status_code} != {want}"
                )
            for secret in {SECRET_A, SECRET_B, PRICE_A, PRICE_B} - may_see(principal, phase):
                if secret in r.text:
                    failures.append(f"{phase} {principal} {method} {template} leaks {secret}")
    return failures


async def test_bids_stay_secret_and_every_route_checks_its_principal(harness: Any) -> None:
    h = harness
    a, b = str(new_id()), str(new_id())
    await h.enterprise(h.record(a, "Alpha CIC"))
    await h.enterprise(h.record(b, "Beta CIC"))
    headers = {
        "buyer": h.council(),
        "other_council": h.council(org="GB-LAE-FYL", area="E07000119"),
        "bidder": h.bidder(a),
        "other_bidder": h.bidder(b),
        "registrar": h.registrar(),
        "anonymous": {},
    }
    # A voluntary standstill (s.51) keeps the awarded contract pending: activate is a 409.
    body = h.body(h.clock.now(), voluntary_standstill=True)
    c = (await h.client.post("/v1/commissions", json=body, headers=h.council())).json()
    draft_views = [
        (await h.client.get(f"/v1/commissions/{c['id']}", headers=headers[p])).status_code
        for p in PRINCIPALS
    ]
    assert draft_views == [200, 404, 404, 404, 404, 404]
    listed = (await h.client.get("/v1/commissions", headers=headers["other_council"])).json()
    assert listed["items"] == []
    await h.client.post(f"/v1/commissions/{c['id']}/publish", headers=h.council())
    bid_a = await h.client.post(
        f"/v1/commissions/{c['id']}/bids",
        json={"lot_id": "lot-1", "price": {"amount": PRICE_A}, "proposal": SECRET_A},
        headers=headers["bidder"],
    )
    bid_b = await h.client.post(
        f"/v1/commissions/{c['id']}/bids",
        json={"lot_id": "lot-1", "price": {"amount": PRICE_B}, "proposal": SECRET_B},
        headers=headers["other_bidder"],
    )
    q = await h.client.post(
        f"/v1/commissions/{c['id']}/questions", json={"text": "Who?"}, headers=headers["bidder"]
    )
    ids = {
        "c": c["id"],
        "a": bid_a.json()["id"],
        "b": bid_b.json()["id"],
        "q": q.json()["id"],
        "ocid": c["ocid"],
        "ea": a,
        "eb": b,
    }
    failures = await run(h, "open", rows_open(), headers, ids)
    questions = (await h.client.get(f"/v1/commissions/{c['id']}/questions")).json()["items"]
    assert all(a not in str(item) and b not in str(item) for item in questions)
    h.clock.advance(days=11)
    await h.run_due_jobs()
    failures += await run(h, "evaluation", rows_evaluation(), headers, ids)
    award = await h.client.post(f"/v1/commissions/{c['id']}/lots/lot-1/award", headers=h.council())
    assert award.status_code == 201, award.text
    ids["k"] = award.json()["id"]
    failures += await run(h, "awarded", rows_awarded(), headers, ids)
    assert failures == []
    public_bids = (await h.client.get(f"/v1/commissions/{c['id']}/bids")).json()["items"]
    assert public_bids == [
        {
            "id": ids["a"],
            "commission_id": c["id"],
            "lot_id": "lot-1",
            "supplier": {"enterprise_id": a, "name": "Alpha CIC"},
            "price": {"amount": PRICE_A, "currency": "GBP"},
            "status": "awarded",
        }
    ]
    ranking = (await h.client.get(f"/v1/commissions/{c['id']}/lots/lot-1/ranking")).json()
    assert ranking["items"][1] == {"rank": 2, "winner": False}
    published = b"".join(e.to_json() for e in await h.published())
    assert SECRET_A.encode() not in published
    assert PRICE_B.encode() not in published
