"""Private notices: a report tells the buyer council; its verification tells the supplier."""

from __future__ import annotations

from typing import Any, cast

import orjson

from streetlevel.common.consumer import EventProcessor
from streetlevel.testing.waiting import eventually

from ..support import BUYER, LSOA_A
from .conftest import Embedded
from .test_api_flow import Q1, report, start_contract, verify

PRIVATE = "outcomes.private.v1"


class Recorder:
    """Stands in for the notifications service on the private topic."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    async def process(self, batch: list[Any]) -> None:
        self.events += [orjson.loads(d.value) for d in batch]


async def test_a_report_notifies_the_buyer_and_its_verification_the_supplier(
    embedded: Embedded,
) -> None:
    recorder = Recorder()
    embedded.bus.subscribe([PRIVATE], cast(EventProcessor, recorder))
    contract_id, plan = await start_contract(embedded, "e-notice")
    observation = await report(
        embedded, "e-notice", plan["id"], "jobs.local_hires", Q1, LSOA_A, "2"
    )

    async def received(n: int) -> bool:
        return len(recorder.events) >= n

    await eventually(lambda: received(1), "the buyer's notice")
    awaiting = recorder.events[0]
    assert awaiting["type"] == "org.streetlevel.outcomes.observation.awaiting_verification.v1"
    assert awaiting["audience"] == f"org:{BUYER}"
    assert awaiting["data"]["observation_id"] == observation["id"]
    assert awaiting["data"]["contract_id"] == contract_id
    assert "value" not in awaiting["data"]  # a notice never repeats the figure
    await verify(embedded, observation["id"])
    await eventually(lambda: received(2), "the supplier's notice")
    decided = recorder.events[1]
    assert decided["type"] == "org.streetlevel.outcomes.observation.verification_decided.v1"
    assert decided["audience"] == "enterprise:e-notice"
    assert decided["data"]["decision"] == "verified"
    assert len(recorder.events) == 2
