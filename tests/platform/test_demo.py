"""``make run``'s first start: the demo tells the whole story through the public API."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx2

from streetlevel.platform.demo import HISTORY
from streetlevel.platform.embedded import create_app
from streetlevel.testing.lifespan import LifespanManager


def _halves_since(today: datetime, days: int) -> list[str]:
    """The half-years (s.69(3): H1 April to September) that hold any of the last ``days`` days."""
    labels = []
    for back in range(days + 1):
        day = today - timedelta(days=back)
        year = day.year if day.month >= 4 else day.year - 1
        labels.append(f"{year}-H{1 if 4 <= day.month <= 9 else 2}")
    return list(dict.fromkeys(labels))


async def test_the_first_start_seeds_enterprises_commissions_a_contract_and_outcomes(
    settings_for, monkeypatch, capsys
) -> None:
    monkeypatch.delenv("STREETLEVEL_AREAS_FILE", raising=False)
    settings = settings_for()
    app = create_app(settings, demo=True)
    async with LifespanManager(app, startup_timeout=120):
        ids = json.loads((settings.data_dir / "demo-clients.json").read_text())["commissions"]
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://demo") as http:
            wards = (await http.get("/v1/areas", params={"type": "ward", "limit": 50})).json()
            assert len(wards["items"]) == 21
            enterprises = (await http.get("/v1/enterprises", params={"limit": 50})).json()
            assert len(enterprises["items"]) == 12
            assert {e["status"] for e in enterprises["items"]} == {"verified"}
            commissions = (await http.get("/v1/commissions")).json()["items"]
            assert {c["status"] for c in commissions} >= {"open", "awarded"}
            # The outcomes story's contract is active; the other two are the Procurement Act
            # stages' (test_demo_procurement.py): entered into, and held in standstill.
            listed = {c["id"]: c for c in (await http.get("/v1/contracts")).json()["items"]}
            stages = {ids["entered_contract"], ids["standstill_contract"]}
            assert set(listed) == {ids["contract"]} | stages
            assert listed[ids["contract"]]["status"] == "active"
            contracts = [listed[ids["contract"]]]
            progress = (
                await http.get(f"/v1/reports/contracts/{contracts[0]['id']}/progress")
            ).json()
            hires = progress["outcomes"][0]
            assert hires["indicator_code"] == "jobs.local_hires"
            assert hires["verified"]["value"] is not None  # rounded to 5: disclosure control
            assert int(hires["verified"]["value"]) % 5 == 0
            # Time cannot run ahead: the contract started in the past, every payment and
            # transaction is dated after its period and no later than the release it is in.
            today = datetime.now(UTC)
            assert datetime.fromisoformat(contracts[0]["period"]["start"]) < today
            themes = {t["code"] for t in (await http.get("/v1/themes")).json()["items"]}
            assert all(set(c["themes"]) <= themes and c["themes"] for c in commissions)
            # Payments follow verifications through the bus: wait for both quarters' figures.
            paid = f"/v1/contracts/{contracts[0]['id']}/payments"
            for _ in range(200):
                if len((await http.get(paid)).json()["periods"]) == 2:
                    break
                await asyncio.sleep(0.05)
            releases = (await http.get("/v1/ocds/releases", params={"limit": 200})).json()
            read_at = datetime.now(UTC)  # releases keep coming as the bus delivers payments
            dated = 0
            for release in releases["releases"]:
                released = datetime.fromisoformat(release["date"])
                assert released <= read_at, "no release is dated in the future"
                for contract in release.get("contracts", []):
                    for transaction in contract.get("implementation", {}).get("transactions", []):
                        assert datetime.fromisoformat(transaction["date"]) <= released
                        dated += 1
            assert dated >= 2, "two quarters paid"
            # The council paid every outcome invoice on time: its UK8 figures say so.
            council = json.loads((settings.data_dir / "demo-clients.json").read_text())
            assert council["invoices_paid"] >= 2
            # An invoice is received on the day of its verification, in the replayed past, and
            # paid 14 days later, so its payment may fall in any half-year of the story.
            reports = [
                (await http.get(f"/v1/payment-performance/GB-LAE-BPL?period={p}")).json()
                for p in _halves_since(today, HISTORY.days)
            ]
            assert sum(r["invoices_paid"] for r in reports) == council["invoices_paid"]
            assert all(r["paid_within_30_days"] == r["invoices_paid"] for r in reports)
            assert all(r["late"] == 0 for r in reports)
    printed = capsys.readouterr().out
    assert "Street Level is running at" in printed
    assert "/docs" in printed
    # The demo council's webhook is created at start, paused, its secret shown this once.
    assert "Demo webhook (Blackpool Council)" in printed
    assert "127.0.0.1:8787/streetlevel-webhook" in printed
    assert "signing secret whsec_" in printed
    assert "outcome invoices paid within 30 days" in printed
