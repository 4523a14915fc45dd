"""A report unanswered past its verification deadline is escalated, visibly, once."""

from __future__ import annotations

from typing import Any, cast

import orjson

from streetlevel.common.consumer import EventProcessor
from streetlevel.common.ids import new_id
from streetlevel.outcomes.service.deadlines import escalate_overdue
from streetlevel.testing.waiting import eventually

from ..support import LSOA_A, contract_created_data, contract_event
from .conftest import Embedded
from .test_api_flow import Q1, buyer, report, start_contract, verify

OBSERVATIONS = "outcomes.observation.v1"


class Recorder:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    async def process(self, batch: list[Any]) -> None:
        self.events += [orjson.loads(d.value) for d in batch]


async def test_an_unanswered_report_is_escalated_after_ten_working_days(
    embedded: Embedded,
) -> None:
    recorder = Recorder()
    embedded.bus.subscribe([OBSERVATIONS], cast(EventProcessor, recorder))
    services = embedded.app.state.services
    _, plan = await start_contract(embedded, "e-late")
    late = await report(embedded, "e-late", plan["id"], "jobs.local_hires", Q1, LSOA_A, "2")
    # Reported Wednesday 1 July 2026: ten working days end on Wednesday 15 July.
    assert late["verify_by"] == "2026-07-16T00:00:00+00:00"
    assert late["escalated"] is False
    answered = await report(
        embedded, "e-late", plan["id"], "skills.training_hours", Q1, LSOA_A, "5"
    )
    await verify(embedded, answered["id"])
    embedded.clock.advance(days=14, hours=11)  # 15 July, 23:00
    assert await escalate_overdue(services, embedded.clock.now()) == 0
    embedded.clock.advance(hours=1)
    assert await escalate_overdue(services, embedded.clock.now()) == 1
    assert await escalate_overdue(services, embedded.clock.now()) == 0
    got = await embedded.client.get(
        f"/v1/observations/{late['id']}", headers=buyer(embedded.tokens)
    )
    assert got.json()["escalated"] is True
    assert got.json()["status"] == "reported"  # still the council's to verify or reject
    answered_now = await embedded.client.get(
        f"/v1/observations/{answered['id']}", headers=buyer(embedded.tokens)
    )
    assert answered_now.json()["escalated"] is False

    async def published() -> bool:
        return any(e["type"].endswith("observation.escalated.v1") for e in recorder.events)

    await eventually(published, "the escalation event")
    escalated = [e for e in recorder.events if e["type"].endswith("observation.escalated.v1")]
    assert [e["data"]["observation_id"] for e in escalated] == [late["id"]]


async def test_a_contract_may_give_the_council_fewer_working_days(embedded: Embedded) -> None:
    contract_id = str(new_id())
    data = contract_created_data(contract_id, "e-quick", verification_days=3)
    await embedded.deliver(
        "commissioning.contract.v1", contract_event("created", contract_id, data)
    )
    plans = await embedded.client.get(
        "/v1/plans", params={"contract_id": contract_id}, headers=buyer(embedded.tokens)
    )
    (plan,) = plans.json()["items"]
    obs = await report(embedded, "e-quick", plan["id"], "jobs.local_hires", Q1, LSOA_A, "1")
    assert obs["verify_by"] == "2026-07-07T00:00:00+00:00"  # Thu 2, Fri 3, Mon 6 July
