"""``make run``'s first start: the demo tells the whole story through the public API."""

from __future__ import annotations

import httpx2
from asgi_lifespan import LifespanManager

from streetlevel.gateway.app import create_app


async def test_the_first_start_seeds_enterprises_commissions_a_contract_and_outcomes(
    tmp_path, kit, monkeypatch, capsys
) -> None:
    monkeypatch.delenv("STREETLEVEL_AREAS_FILE", raising=False)
    app = create_app(kit.settings(tmp_path), demo=True)
    async with LifespanManager(app, startup_timeout=120):
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://demo") as http:
            wards = (await http.get("/v1/areas", params={"type": "ward", "limit": 50})).json()
            assert len(wards["items"]) == 21
            enterprises = (await http.get("/v1/enterprises", params={"limit": 50})).json()
            assert len(enterprises["items"]) == 12
            assert {e["status"] for e in enterprises["items"]} == {"verified"}
            commissions = (await http.get("/v1/commissions")).json()["items"]
            assert {c["status"] for c in commissions} >= {"open", "awarded"}
            contracts = (await http.get("/v1/contracts")).json()["items"]
            assert [c["status"] for c in contracts] == ["active"]
            progress = (
                await http.get(f"/v1/reports/contracts/{contracts[0]['id']}/progress")
            ).json()
            hires = progress["outcomes"][0]
            assert hires["indicator_code"] == "jobs.local_hires"
            assert hires["verified"]["value"] is not None  # rounded to 5: disclosure control
            assert int(hires["verified"]["value"]) % 5 == 0
    printed = capsys.readouterr().out
    assert "Street Level is running at" in printed
    assert "/docs" in printed
