"""The same Blackpool story in embedded mode: one process, SQLite, the in-process bus."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from streetlevel_e2e_harness.api import eventually
from streetlevel_e2e_harness.blackpool import (
    commission_body,
    money,
    wait_eligible,
)
from streetlevel_e2e_harness.contract import check_feed_against_published_schemas
from streetlevel_e2e_harness.embedded import embedded_story
from streetlevel_e2e_harness.story import LOT_A, LOT_B, LOT_C, deliver_and_pay, evaluate_and_award

TENDER_S = 20.0


@pytest.mark.timeout(240)
async def test_the_embedded_platform_tells_the_same_story_as_the_distributed_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with embedded_story(tmp_path, monkeypatch, client_ip="198.51.100.8") as story:
        app, api, cast = story.app, story.api, story.cast
        secrets, ent = story.secrets, story.cast.enterprises
        body = commission_body(datetime.now(UTC), enquiry_s=TENDER_S - 5, tender_s=TENDER_S)
        cid = (await api.post("/v1/commissions", cast.blackpool, json=body, expect=201)).json()[
            "id"
        ]
        await api.post(f"/v1/commissions/{cid}/publish", cast.blackpool, expect=200)
        for key in ("cic", "coop", "charity", "sole"):
            await wait_eligible(api, ent[key], cid, within=30)
        asked = await api.post(
            f"/v1/commissions/{cid}/questions",
            ent["coop"],
            json={"text": "Can a co-operative bid for more than one ward?"},
            expect=201,
        )
        await api.post(
            f"/v1/commissions/{cid}/questions/{asked.json()['id']}/answer",
            cast.blackpool,
            json={"answer": "Yes, one bid per ward."},
            expect=200,
        )
        refused = await api.post(
            f"/v1/commissions/{cid}/bids",
            ent["ineligible"],
            json={"lot_id": LOT_A, "price": money("30000.00"), "proposal": "Everything"},
            expect=422,
        )
        assert len(refused.json()["unmet"]) >= 3
        bids = {}
        for who, lot, price in (
            ("cic", LOT_A, "35000.00"),
            ("coop", LOT_A, "38000.00"),
            ("charity", LOT_B, "37500.00"),
            ("sole", LOT_C, "22000.00"),
        ):
            made = await api.post(
                f"/v1/commissions/{cid}/bids",
                ent[who],
                json={"lot_id": lot, "price": money(price), "proposal": f"plan {who}"},
                expect=201,
            )
            bids[f"{who}:{lot}"] = made.json()

        async def closed() -> bool:
            got = (await api.get(f"/v1/commissions/{cid}", expect=200)).json()
            return got["status"] == "evaluation"

        await eventually(closed, within=TENDER_S + 30, what="the tender to close")

        async def time_passes(when: datetime) -> None:
            app.service_clock.travel_to(when)

        contract = await evaluate_and_award(api, cast, cid, bids, time_passes)
        await deliver_and_pay(api, cast, contract)
        feed = await api.items("/v1/events", limit=200)
        awarded = [
            e for e in feed if e["type"].endswith("lot.awarded.v1") and e["data"]["lot_id"] == LOT_A
        ]
        assert awarded[0]["data"]["contract_id"] == contract["id"]
        assert awarded[0]["data"]["price"] == money("35000.00")
        for value in secrets.values():
            assert value not in json.dumps(feed)
        answered = [e for e in feed if e["type"].endswith("question.answered.v1")]
        assert [e["data"]["answer"] for e in answered] == ["Yes, one bid per ward."]
        assert ent["coop"].enterprise_id not in json.dumps(answered)
        checked = await check_feed_against_published_schemas(api, feed)
        assert {
            "registry.enterprise.verified.v1",
            "commissioning.question.answered.v1",
            "commissioning.lot.awarded.v1",
            "commissioning.contract.created.v1",
            "outcomes.indicator.created.v1",
        } <= checked
