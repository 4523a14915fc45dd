"""A contract's payment timeline on its commission's page, exactly as the public API gives it."""

from __future__ import annotations

from streetlevel.web import render

from .conftest import Demo


async def test_the_awarded_commission_shows_its_contracts_payments_as_published(
    demo: Demo,
) -> None:
    commissions = (await demo.api.get("/v1/commissions", params={"limit": 200})).json()["items"]
    gardens = next(c for c in commissions if c["title"] == "Street gardens")
    (contract,) = (
        await demo.api.get("/v1/contracts", params={"commission_id": gardens["id"]})
    ).json()["items"]
    payments = (await demo.api.get(f"/v1/contracts/{contract['id']}/payments")).json()
    assert payments["periods"], "the demo's outcomes were verified and paid"
    html = (await demo.site.get(f"/commissions/{gardens['id']}")).text
    assert 'id="payments"' in html
    assert "Paid by outcomes achieved, at a price per outcome." in html
    for row in payments["periods"]:
        period = f"{render.when(row['period']['start'])} to {render.when(row['period']['end'])}"
        assert (
            f'<th scope="row">{period}</th><td class="num">{render.money(row["amount"])}</td>'
            in html
        )
    assert f'<td class="num">{render.money(payments["total"])}</td>' in html
    # The parties' lines (one per verification) are never shown to the public.
    assert "observation" not in html


async def test_a_commission_without_a_contract_has_no_payments_section(demo: Demo) -> None:
    commissions = (await demo.api.get("/v1/commissions", params={"status": "open"})).json()
    html = (await demo.site.get(f"/commissions/{commissions['items'][0]['id']}")).text
    assert 'id="payments"' not in html
