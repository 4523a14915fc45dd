"""OCDS output of the embedded mode validates against OCDS 1.1.5 with its extensions."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from streetlevel.common.ids import new_id


def numbers(node: Any) -> list[float]:
    """Every number in a JSON document."""
    if isinstance(node, dict):
        return [n for v in node.values() for n in numbers(v)]
    if isinstance(node, list):
        return [n for v in node for n in numbers(v)]
    return [node] if isinstance(node, int | float) and not isinstance(node, bool) else []


def assert_clean(report: dict[str, Any]) -> None:
    assert "validation_errors" in report or "additional_fields" in report
    assert not report.get("validation_errors")
    assert not report.get("additional_closed_codelist_values")
    assert not report.get("additional_fields")


async def test_a_micro_grant_from_tender_to_payment_is_valid_ocds(
    harness: Any, kit: Any, tmp_path: Path
) -> None:
    h = harness
    e = str(new_id())
    await h.enterprise(h.record(e, "Ward Gardeners CIC"))
    body = h.body(h.clock.now(), procedure="micro_grant")
    c = (await h.client.post("/v1/commissions", json=body, headers=h.council())).json()
    await h.client.post(f"/v1/commissions/{c['id']}/publish", headers=h.council())
    later = dict(c["timeline"], tender_end=c["timeline"]["award_by"])
    await h.client.patch(
        f"/v1/commissions/{c['id']}", json={"timeline": later}, headers=h.council()
    )
    b = await h.client.post(
        f"/v1/commissions/{c['id']}/bids",
        json={"lot_id": "lot-1", "price": {"amount": "5000.00"}, "proposal": "Beds"},
        headers=h.bidder(e),
    )
    h.clock.advance(days=21)
    await h.run_due_jobs()
    await h.client.put(
        f"/v1/commissions/{c['id']}/bids/{b.json()['id']}/score",
        json={"quality": 80, "social_value": 80},
        headers=h.council(),
    )
    k = (
        await h.client.post(f"/v1/commissions/{c['id']}/lots/lot-1/award", headers=h.council())
    ).json()
    h.clock.advance(days=11)
    await h.client.post(f"/v1/contracts/{k['id']}/activate", headers=h.council())
    h.after_first_period()
    obs = str(new_id())
    for kind in ("reported", "verified"):
        await h.deliver(
            "outcomes.observation.v1", k["id"], h.observation_event(kind, obs, k["id"], "3")
        )
    await h.client.post(f"/v1/contracts/{k['id']}/complete", headers=h.council())
    package = (await h.client.get("/v1/ocds/releases")).json()
    tags = [r["tag"] for r in package["releases"]]
    assert tags == [
        ["tender"],
        ["tenderAmendment"],
        ["tenderUpdate"],
        ["award", "contract"],
        ["contractUpdate"],
        ["implementation"],
        ["contractUpdate"],
    ]
    last = package["releases"][-1]
    assert last["tender"]["procurementMethod"] == "direct"
    assert last["contracts"][0]["status"] == "terminated"
    assert last["contracts"][0]["description"].startswith("Completed")
    # 3 people of a sensitive indicator: suppressed everywhere public, never 3 × £50.
    implementation = last["contracts"][0]["implementation"]
    assert implementation["transactions"][0]["value"] == {"amount": None, "currency": "GBP"}
    [achieved] = implementation["metrics"]
    assert [o["measure"] for o in achieved["observations"]] == [None, None]
    assert all("disclosure control" in o["notes"] for o in achieved["observations"])
    assert not {3, 150} & set(numbers(package))
    roles = {p["name"]: p["roles"] for p in last["parties"]}
    assert roles == {
        "Blackpool Council": ["buyer", "procuringEntity"],
        "Ward Gardeners CIC": ["tenderer", "supplier"],
    }
    assert_clean(await asyncio.to_thread(kit.validate_ocds, package, tmp_path))
    record = (await h.client.get(f"/v1/ocds/records/{c['ocid']}")).json()
    compiled = record["records"][0]["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    assert compiled["contracts"][0]["status"] == "terminated"
    assert record["records"][0]["releases"] == package["releases"]
    # The record package schema pulls the versioned-release schema from the network, so the
    # compiled release is validated offline inside a release package instead.
    as_releases = {k: v for k, v in record.items() if k != "records"}
    as_releases["releases"] = [compiled]
    record_dir = tmp_path / "record"
    record_dir.mkdir()
    assert_clean(await asyncio.to_thread(kit.validate_ocds, as_releases, record_dir))
    one = package["releases"][0]["id"]
    single = await h.client.get(f"/v1/ocds/releases/{one}")
    assert single.json()["releases"][0]["tag"] == ["tender"]
