"""The embedded demo data: a plan for the demo contract shows progress and area figures."""

from __future__ import annotations

from streetlevel.outcomes.demo import seed_demo

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
