"""The embedded demo data: a plan for the demo contract shows progress and area figures."""

from __future__ import annotations

from streetlevel.common.ids import new_id
from streetlevel.outcomes.demo import seed_demo

from ..support import contract_created_data, contract_event
from .conftest import Embedded
from .test_api_flow import buyer, start_contract


async def test_demo_figures_make_progress_and_area_reports_show_something(
    embedded: Embedded,
) -> None:
    contract_id, _plan = await start_contract(embedded, "e-demo")
    seeded = await seed_demo(embedded.app)
    assert seeded == 3 * 2 * 3  # indicators × quarters × LSOAs
    assert await seed_demo(embedded.app) == 0  # a second start adds nothing
    progress = await embedded.client.get(
        f"/v1/reports/contracts/{contract_id}/progress", headers=buyer(embedded.tokens)
    )
    (jobs,) = [i for i in progress.json()["outcomes"] if i["indicator_code"] == "jobs.local_hires"]
    assert jobs["verified"]["value"] not in (None, "0")
    assert jobs["reported_unverified"] != "0"
    area = (await embedded.client.get("/v1/reports/areas/E06000009")).json()
    assert {i["indicator_code"] for i in area["indicators"]} >= {"jobs.local_hires"}


async def test_the_demo_reports_no_quarter_that_has_not_ended(embedded: Embedded) -> None:
    contract_id = str(new_id())
    data = contract_created_data(
        contract_id, "e-late", period={"start": "2026-05-01", "end": "2027-04-30"}
    )
    await embedded.deliver(
        "commissioning.contract.v1", contract_event("created", contract_id, data)
    )
    # On 2026-07-01 the first quarter (to 2026-07-29) is still running: nothing to report.
    assert await seed_demo(embedded.app) == 0
