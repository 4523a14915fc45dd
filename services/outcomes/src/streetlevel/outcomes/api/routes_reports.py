"""``/v1/reports``: open to anyone; sensitive figures pass disclosure control for the public."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query
from starlette.responses import JSONResponse, StreamingResponse

from streetlevel.common.errors import NotFound
from streetlevel.common.openapi import CSV_SCHEMA, NDJSONResponse
from streetlevel.common.service import CurrentPrincipal
from streetlevel.outcomes.adapters import queries
from streetlevel.outcomes.adapters.contract_repository import ContractRepository
from streetlevel.outcomes.adapters.indicator_repository import IndicatorRepository
from streetlevel.outcomes.adapters.plan_repository import PlanRepository
from streetlevel.outcomes.api.deps import (
    LICENCE,
    LICENCE_URL,
    ServicesDep,
    Session,
)
from streetlevel.outcomes.api.schemas import (
    AreaReport,
    OutcomeExportRow,
    ProgressReport,
    SocialValueReport,
)
from streetlevel.outcomes.service import reports
from streetlevel.outcomes.service.access import contract_or_404, role_of

router = APIRouter(prefix="/v1/reports", tags=["reports"])
EXPORT_FIELDS = (
    "indicator_code",
    "area",
    "area_type",
    "reported_at_this_level",
    "best_fit",
    "period_start",
    "period_end",
    "contract_id",
    "value",
    "suppressed",
    "licence",
)


async def _contract_inputs(session: Session, contract_id: str) -> tuple[Any, ...]:
    contract = await contract_or_404(session, contract_id)
    row = await ContractRepository(session).row(contract_id)
    summary = {
        "buyer": {"id": row.buyer_id, "name": row.buyer_name},
        "supplier": {"enterprise_id": row.supplier_id, "name": row.supplier_name},
        "status": row.status,
    }
    plan = await PlanRepository(session).for_contract(contract_id)
    if plan is None:
        raise NotFound(f"Contract {contract_id} has no plan yet.")
    catalogue = await IndicatorRepository(session).catalogue()
    rows = await queries.current_observations(session, contract_id=contract_id)
    return contract, plan, catalogue, rows, summary


@router.get("/contracts/{contract_id}/progress", response_model=ProgressReport)
async def contract_progress(
    contract_id: str, session: Session, principal: CurrentPrincipal, services: ServicesDep
) -> JSONResponse:
    """Per indicator: target, verified, reported-unverified, % of target, on track."""
    contract, plan, catalogue, rows, summary = await _contract_inputs(session, contract_id)
    public = role_of(principal, contract) == "public"
    published = (
        await reports.publications(
            session, catalogue=catalogue, areas=services.areas, cache=services.publications
        )
        if public
        else {}
    )
    body = reports.progress(
        plan=plan,
        contract=contract,
        catalogue=catalogue,
        rows=rows,
        published=published,
        today=services.runtime.clock.now().date(),
        public=public,
    )
    return JSONResponse({**body, "contract": summary, "licence": LICENCE})


@router.get("/contracts/{contract_id}/social-value", response_model=SocialValueReport)
async def contract_social_value(
    contract_id: str, session: Session, principal: CurrentPrincipal, services: ServicesDep
) -> JSONResponse:
    """Monetised social value and SROI, with every input shown."""
    contract, plan, catalogue, rows, summary = await _contract_inputs(session, contract_id)
    public = role_of(principal, contract) == "public"
    published = (
        await reports.publications(
            session, catalogue=catalogue, areas=services.areas, cache=services.publications
        )
        if public
        else {}
    )
    body = reports.social_value_report(
        plan=plan,
        contract=contract,
        catalogue=catalogue,
        rows=rows,
        published=published,
        public=public,
    )
    return JSONResponse({**body, "contract": summary, "licence": LICENCE})


@router.get("/areas/{code}", response_model=AreaReport)
async def area_report(code: str, session: Session, services: ServicesDep) -> JSONResponse:
    """What was achieved in an area and every area inside it (always disclosure-controlled)."""
    catalogue = await IndicatorRepository(session).catalogue()
    published = await reports.publications(
        session, catalogue=catalogue, areas=services.areas, cache=services.publications
    )
    known = services.areas.get(code)
    indicators = []
    for indicator_code, publication in sorted(published.items()):
        rows = reports.area_rows(publication, code, services.areas)
        if rows:
            indicator = publication.indicator
            indicators.append(
                {
                    "indicator_code": indicator_code,
                    "name": indicator.name,
                    "unit": indicator.unit,
                    "kind": indicator.kind,
                    "sensitive": indicator.sensitive,
                    "areas": rows,
                }
            )
    if known is None and not indicators:
        raise NotFound(f"No area {code}.")
    return JSONResponse(
        {
            "area": {
                "code": code,
                "name": known.name if known else None,
                "type": known.type if known else None,
            },
            "note": "LAD totals are summed from LSOAs; ward totals use ONS best-fit LSOAs.",
            "indicators": indicators,
            "licence": LICENCE,
            "licence_url": LICENCE_URL,
        }
    )


@router.get(
    "/export",
    response_class=NDJSONResponse,
    responses={
        200: {
            "model": OutcomeExportRow,
            "description": "Every published figure: NDJSON (one OutcomeExportRow a line) or CSV",
            "content": {"text/csv": {"schema": CSV_SCHEMA}},
        }
    },
)
async def export(
    session: Session,
    services: ServicesDep,
    format: Annotated[str, Query(pattern="^(csv|ndjson)$")] = "ndjson",
) -> StreamingResponse:
    """The open outcomes dataset: every published figure, streamed."""
    catalogue = await IndicatorRepository(session).catalogue()
    published = await reports.publications(
        session, catalogue=catalogue, areas=services.areas, cache=services.publications
    )

    async def rows() -> AsyncIterator[dict[str, Any]]:
        for _code, publication in sorted(published.items()):
            for row in reports.export_rows(publication, services.areas):
                yield {**row, "licence": LICENCE}

    async def as_ndjson() -> AsyncIterator[bytes]:
        async for row in rows():
            yield orjson.dumps(row) + b"\n"

    async def as_csv() -> AsyncIterator[bytes]:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS, lineterminator="\n")
        writer.writeheader()
        async for row in rows():
            writer.writerow(row)
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue().encode()

    headers = {
        "Content-Disposition": f'attachment; filename="streetlevel-outcomes.{format}"',
        "Link": f'<{LICENCE_URL}>; rel="license"',
        "X-License": LICENCE,  # one spelling with the registry's exports
    }
    if format == "csv":
        return StreamingResponse(as_csv(), media_type="text/csv; charset=utf-8", headers=headers)
    return StreamingResponse(as_ndjson(), media_type="application/x-ndjson", headers=headers)
