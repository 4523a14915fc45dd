"""Bulk export of the public register, streamed in constant memory.

NDJSON on PostgreSQL comes straight from the database (``export_pg``); CSV, HSDS and SQLite
render each row's ``public_view`` from a server-side cursor.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from contextlib import aclosing
from typing import Any, Literal

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from streetlevel.registry.adapters.orm import enterprises
from streetlevel.registry.adapters.read.export_pg import public_lines
from streetlevel.registry.adapters.read.views import public_view
from streetlevel.registry.domain.model import PUBLIC_STATUSES

Format = Literal["csv", "ndjson", "hsds"]
LICENSE = "Open Government Licence v3.0"
LICENSE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
CHUNK_ROWS = 500
MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson",
    "hsds": "application/json",
}
CSV_COLUMNS = (
    "id",
    "identifier_scheme",
    "identifier_id",
    "name",
    "legal_form",
    "status",
    "mission",
    "themes",
    "areas_served",
    "website",
    "employees",
    "size",
    "trading_income_pct",
    "profit_reinvested_pct",
    "asset_lock",
    "independent",
    "publishes_social_report",
    "accreditations",
    "services",
    "founded_on",
    "created_at",
    "updated_at",
    "version",
)
HSDS_SERVICE_STATUS = {"verified": "active", "suspended": "temporarily closed"}
_NS = uuid.UUID("5b0e6a1c-4c1e-4e0b-9a53-7d1d2a7f6c11")


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(v if isinstance(v, str) else v["name"] for v in value)
    if value is None:
        return ""
    return value


def csv_line(view: dict[str, Any]) -> str:
    identifier = view["identifier"] or {}
    flat = {
        **view,
        "identifier_scheme": identifier.get("scheme"),
        "identifier_id": identifier.get("id"),
    }
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([_csv_cell(flat[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def _sub_id(owner: str, what: str) -> str:
    return str(uuid.uuid5(_NS, f"{owner}/{what}"))


def hsds_organization(view: dict[str, Any]) -> dict[str, Any]:
    """An HSDS 3.0 organisation with its services (public fields only)."""
    org_id = view["id"]
    org: dict[str, Any] = {
        "id": org_id,
        "name": view["name"],
        "description": view["mission"] or "",
        "legal_status": view["legal_form"],
    }
    if view["website"]:
        org["website"] = view["website"]
    if view["founded_on"]:
        org["year_incorporated"] = int(view["founded_on"][:4])
    identifier = view["identifier"]
    org["organization_identifiers"] = (
        [
            {
                "id": _sub_id(org_id, "identifier"),
                "organization_id": org_id,
                "identifier_scheme": "org-id.guide",
                "identifier_type": identifier["scheme"],
                "identifier": identifier["id"],
            }
        ]
        if identifier
        else []
    )
    status = HSDS_SERVICE_STATUS.get(view["status"], "defunct")
    services = []
    for number, service in enumerate(view["services"]):
        service_id = _sub_id(org_id, f"service/{number}")
        codes = service["areas"] or view["areas_served"]
        services.append(
            {
                "id": service_id,
                "organization_id": org_id,
                "name": service["name"],
                "description": service["description"] or "",
                "status": status,
                "service_areas": [
                    {
                        "id": _sub_id(service_id, f"area/{code}"),
                        "service_id": service_id,
                        "name": code,
                        "description": f"ONS GSS area {code}",
                        "extent": code,
                        "extent_type": "text",
                    }
                    for code in codes
                ],
            }
        )
    org["services"] = services
    return org


def _ndjson_line(view: dict[str, Any]) -> bytes:
    return orjson.dumps(view) + b"\n"


async def _rows(engine: AsyncEngine) -> AsyncIterator[Sequence[Any]]:
    query = (
        select(enterprises)
        .where(enterprises.c.status.in_(sorted(PUBLIC_STATUSES)))
        .order_by(enterprises.c.id)
        .execution_options(yield_per=CHUNK_ROWS)
    )
    async with engine.connect() as conn:
        result = await conn.stream(query)
        async for partition in result.partitions(CHUNK_ROWS):
            yield partition


async def stream_export(
    engine: AsyncEngine, fmt: Format, *, generated_at: str
) -> AsyncGenerator[bytes, None]:
    """The export, one chunk at a time; only ever a chunk (``CHUNK_ROWS`` rows) in memory."""
    meta = {
        "license": LICENSE,
        "license_url": LICENSE_URL,
        "publisher": "Street Level registry",
        "generated_at": generated_at,
    }
    render: Callable[[dict[str, Any]], bytes]
    if fmt == "csv":
        yield ",".join(CSV_COLUMNS).encode() + b"\n"
        render = lambda view: csv_line(view).encode()  # noqa: E731
    elif fmt == "ndjson":
        yield orjson.dumps({"_meta": meta}) + b"\n"
        if engine.dialect.name == "postgresql":
            async with aclosing(public_lines(engine)) as lines:
                async for chunk in lines:
                    yield chunk
            return
        render = _ndjson_line
    else:
        yield orjson.dumps(meta)[:-1] + b',"standard":"HSDS 3.0","contents":['
        render = lambda view: orjson.dumps(hsds_organization(view))  # noqa: E731
    first = True
    async for partition in _rows(engine):
        parts = [render(public_view(row)) for row in partition]
        if fmt == "hsds":
            chunk = b",".join(parts)
            yield chunk if first else b"," + chunk
        else:
            yield b"".join(parts)
        first = False
    if fmt == "hsds":
        yield b"]}"
