"""Grant instalments on the payables ledger: raised at award, paid once by either route."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

PRINCIPALS = ("owner", "other_council", "recipient", "other_enterprise", "anonymous")
REFERENCE = "SECRET-GRANT-REF"


async def award(
    h: Any, kit: Any, eid: str, amount: str, instalments: list[dict[str, Any]] | None = None, **p
) -> dict[str, Any]:
    programme = await kit.open_programme(h, **p)
    a = await kit.apply(h, programme["id"], eid, amount)
    result: dict[str, Any] = {
        "application_id": a["id"],
        "result": "awarded",
        "amount": {"amount": amount},
    }
    if instalments:
        result["instalments"] = instalments
    r = await h.client.post(
        f"/v1/grant-programmes/{programme['id']}/decisions",
        json={"method": "panel", "panel": ["Chair"], "results": [result]},
        headers=h.council(),
    )
    assert r.status_code == 201, r.text
    return dict(r.json()["grants"][0])


def principals(h: Any, recipient: str, other: str) -> dict[str, dict[str, str]]:
    return {
        "owner": h.council(),
        "other_council": h.council(org="GB-LAE-FYL", area="E07000119"),
        "recipient": h.bidder(recipient),
        "other_enterprise": h.bidder(other),
        "anonymous": {},
    }


async def test_an_upfront_grant_is_a_payable_paid_once_through_either_route(
    harness: Any, grants_kit: Any
) -> None:
    h, kit = harness, grants_kit
    eid = await kit.group(h, "Upfront Residents")
    grant = await award(h, kit, eid, "750.00")
    [payable] = grant["payables"]
    assert payable["grant_id"] == grant["id"]
    assert "contract_id" not in payable
    assert payable["basis"] == "grant"
    assert payable["amount"] == "750.00"
    # Upfront: received the day of the decision, due the payment term (30 days) later.
    assert (payable["received_on"], payable["due_on"]) == ("2026-11-23", "2026-12-23")
    assert payable["status"] == "due"

    paid = await h.client.post(
        f"/v1/payables/{payable['id']}/pay", json={"reference": REFERENCE}, headers=h.council()
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"
    assert paid.json()["days_to_pay"] == 0
    seen = (await h.client.get(f"/v1/grants/{grant['id']}", headers=h.bidder(eid))).json()
    assert seen["status"] == "paid"
    assert seen["paid_total"]["amount"] == "750.00"
    assert seen["instalments"][0]["paid_on"] == "2026-11-23"
    assert seen["instalments"][0]["reference"] == REFERENCE
    assert seen["payables"][0]["status"] == "paid"
    assert seen["payables"][0]["reference"] == REFERENCE
    public = await h.client.get(f"/v1/grants/{grant['id']}")
    assert public.json()["payables"][0]["status"] == "paid"
    assert REFERENCE not in public.text

    # Nothing is paid twice, whichever route is tried second.
    again = await h.client.post(
        f"/v1/grants/{grant['id']}/instalments/1/paid",
        json={"paid_on": "2026-11-23", "reference": "again"},
        headers=h.council(),
    )
    assert again.status_code == 409
    twice = await h.client.post(
        f"/v1/payables/{payable['id']}/pay", json={"reference": "again"}, headers=h.council()
    )
    assert twice.status_code == 409

    # The events: a public grant.paid without the reference, private payable events to the
    # recipient alone, keyed by the grant.
    await h.published()
    mine = [e for e in h.bus.private if e.subject == f"payable/{payable['id']}"]
    assert [e.short_type for e in mine] == [
        "commissioning.payable.raised.v1",
        "commissioning.payable.paid.v1",
    ]
    assert {e.model_extra["audience"] for e in mine} == {f"enterprise:{eid}"}
    assert all(e.data["grant_id"] == grant["id"] and "contract_id" not in e.data for e in mine)
    public_paid = [
        e
        for e in h.bus.published
        if e.short_type == "commissioning.grant.paid.v1" and e.subject == f"grant/{grant['id']}"
    ]
    assert len(public_paid) == 1
    assert REFERENCE not in public_paid[0].to_json().decode()


async def test_the_grant_route_pays_the_same_payable(harness: Any, grants_kit: Any) -> None:
    h, kit = harness, grants_kit
    grant = await award(h, kit, await kit.group(h, "Route Group"), "400.00")
    r = await h.client.post(
        f"/v1/grants/{grant['id']}/instalments/1/paid",
        json={"paid_on": "2026-11-23", "reference": "R"},
        headers=h.council(),
    )
    assert r.status_code == 200
    assert r.json()["payables"][0]["status"] == "paid"
    pay = await h.client.post(
        f"/v1/payables/{grant['payables'][0]['id']}/pay",
        json={"reference": "R"},
        headers=h.council(),
    )
    assert pay.status_code == 409


async def test_every_grant_payable_route_checks_its_principal(
    harness: Any, grants_kit: Any
) -> None:
    h, kit = harness, grants_kit
    eid, other = await kit.group(h, "Matrix Group"), await kit.group(h, "Stranger Group")
    headers = principals(h, eid, other)
    grant = await award(h, kit, eid, "300.00")
    pid = grant["payables"][0]["id"]
    expected = {"owner": None, "other_council": 403, "recipient": 403}
    expected |= {"other_enterprise": 403, "anonymous": 401}
    bodies = {
        "dispute": {"reason": "receipts missing"},
        "resolve": {"resolution": "receipts sent"},
        "pay": {"reference": REFERENCE},
    }
    failures = []
    for action, body in bodies.items():
        for who, want in expected.items():
            if want is None:
                continue
            r = await h.client.post(f"/v1/payables/{pid}/{action}", json=body, headers=headers[who])
            if r.status_code != want:
                failures.append(f"{who} {action}: {r.status_code} != {want}")
        done = await h.client.post(
            f"/v1/payables/{pid}/{action}", json=body, headers=headers["owner"]
        )
        if done.status_code != 200:
            failures.append(f"owner {action}: {done.status_code}")
    assert failures == []
    # The grant route: the owner council only (it is paid now: 409).
    paid = {"paid_on": "2026-11-23", "reference": "x"}
    grant_route = {"owner": 409, **{k: v for k, v in expected.items() if k != "owner"}}
    for who, want in grant_route.items():
        r = await h.client.post(
            f"/v1/grants/{grant['id']}/instalments/1/paid", json=paid, headers=headers[who]
        )
        assert r.status_code == want, who
    # References and dispute reasons: the council and the recipient only.
    for who in PRINCIPALS:
        r = await h.client.get(f"/v1/grants/{grant['id']}", headers=headers[who])
        assert r.status_code == 200
        assert (REFERENCE in r.text) == (who in ("owner", "recipient")), who
        assert ("receipts missing" in r.text) == (who in ("owner", "recipient")), who


async def test_a_disputed_grant_payable_is_paid_only_once_resolved(
    harness: Any, grants_kit: Any
) -> None:
    h, kit = harness, grants_kit
    grant = await award(h, kit, await kit.group(h, "Dispute Group"), "200.00")
    pid = grant["payables"][0]["id"]
    d = await h.client.post(
        f"/v1/payables/{pid}/dispute", json={"reason": "bank details"}, headers=h.council()
    )
    assert d.json()["status"] == "disputed"
    blocked = await h.client.post(
        f"/v1/grants/{grant['id']}/instalments/1/paid",
        json={"paid_on": "2026-11-23", "reference": "R"},
        headers=h.council(),
    )
    assert blocked.status_code == 409  # resolve the dispute first
    ok = await h.client.post(
        f"/v1/payables/{pid}/resolve", json={"resolution": "confirmed"}, headers=h.council()
    )
    assert ok.json()["status"] == "due"
    paid = await h.client.post(
        f"/v1/grants/{grant['id']}/instalments/1/paid",
        json={"paid_on": "2026-11-23", "reference": "R"},
        headers=h.council(),
    )
    assert paid.status_code == 200
    assert paid.json()["status"] == "paid"


async def test_a_late_grant_payable_counts_in_the_grants_block_not_in_uk8(
    harness: Any, grants_kit: Any
) -> None:
    h, kit = harness, grants_kit
    late = await award(h, kit, await kit.group(h, "Late Group"), "100.00", payment_terms_days=14)
    prompt = await award(h, kit, await kit.group(h, "Prompt Group"), "60.00")
    assert late["payment_terms_days"] == 14
    assert late["payables"][0]["due_on"] == "2026-12-07"
    paid = await h.client.post(
        f"/v1/payables/{prompt['payables'][0]['id']}/pay",
        json={"reference": "P"},
        headers=h.council(),
    )
    assert paid.status_code == 200
    h.clock.set(datetime(2026, 12, 10, 9, tzinfo=UTC))
    assert await h.run_due_jobs() >= 1
    seen = (await h.client.get(f"/v1/grants/{late['id']}")).json()
    assert seen["payables"][0]["status"] == "late"
    paid_late = await h.client.post(
        f"/v1/payables/{late['payables'][0]['id']}/pay",
        json={"reference": "L"},
        headers=h.council(),
    )
    assert paid_late.json()["was_late"] is True
    assert paid_late.json()["days_to_pay"] == 17

    figures = (await h.client.get("/v1/payment-performance/GB-LAE-BPL?period=2026-H2")).json()
    # UK8: public contracts only; the grants are counted apart.
    assert figures["invoices_paid"] == 0
    assert figures["late"] == 0
    assert figures["grants"] == {
        "invoices_paid": 2,
        "paid_within_30_days": 2,
        "paid_within_30_days_pct": "100.0",
        "paid_within_terms": 1,
        "average_days_to_pay": "8.5",
        "amount_paid": "160.00",
        "late": 1,
        "disputed": 0,
    }
    ocds = (await h.client.get("/v1/payment-performance/GB-LAE-BPL/ocds?period=2026-H2")).json()
    description = ocds["releases"][0]["planning"]["documents"][0]["description"]
    assert "0 invoices paid" in description  # the UK8 notice stays contracts-only

    # 360Giving's amountDisbursed is what the payables ledger paid.
    package = (await h.client.get("/v1/grants/360giving?council=GB-LAE-BPL")).json()
    disbursed = {g["id"]: g.get("amountDisbursed") for g in package["grants"]}
    assert disbursed[f"360G-streetlevel-{late['id']}"] == 100.0
    assert disbursed[f"360G-streetlevel-{prompt['id']}"] == 60.0


async def test_staged_instalments_are_each_paid_exactly_once_whatever_the_order(
    harness: Any, grants_kit: Any
) -> None:
    """Invariant: any interleaving of both routes, retried, pays each instalment once and never
    more than the grant."""
    h, kit = harness, grants_kit
    schedule = [("2026-11-23", "100.00"), ("2026-11-30", "150.00"), ("2026-12-07", "250.00")]
    instalments = [{"due_on": d, "amount": {"amount": a}} for d, a in schedule]
    grants = [
        await award(h, kit, await kit.group(h, f"Staged {n}"), "500.00", instalments)
        for n in range(3)
    ]
    h.clock.set(datetime(2026, 12, 8, 9, tzinfo=UTC))
    for seed, grant in enumerate(grants):
        rng = random.Random(seed)
        attempts = [(route, no) for no in (1, 2, 3) for route in ("payable", "grant") * 2]
        rng.shuffle(attempts)
        ok = []
        for route, no in attempts:
            if route == "payable":
                pid = grant["payables"][no - 1]["id"]
                r = await h.client.post(
                    f"/v1/payables/{pid}/pay", json={"reference": "x"}, headers=h.council()
                )
            else:
                r = await h.client.post(
                    f"/v1/grants/{grant['id']}/instalments/{no}/paid",
                    json={"paid_on": "2026-12-08", "reference": "x"},
                    headers=h.council(),
                )
            assert r.status_code in (200, 409), r.text
            if r.status_code == 200:
                ok.append(no)
        assert sorted(ok) == [1, 2, 3]
        seen = (await h.client.get(f"/v1/grants/{grant['id']}")).json()
        paid = sum(Decimal(p["amount"]) for p in seen["payables"] if p["status"] == "paid")
        assert paid == Decimal(seen["paid_total"]["amount"]) == Decimal("500.00")
    await h.published()
    for grant in grants:
        ids = {p["id"] for p in grant["payables"]}
        paid_events = [
            e
            for e in h.bus.private
            if e.short_type == "commissioning.payable.paid.v1" and e.data["payable_id"] in ids
        ]
        assert len(paid_events) == 3
