"""``GET /v1/enterprises/export``: the public register as CSV, NDJSON or HSDS 3.0."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from streetlevel.common.openapi import CSV_SCHEMA, NDJSONResponse
from streetlevel.registry.adapters.read.export import (
    LICENSE,
    LICENSE_URL,
    MEDIA_TYPES,
    Format,
    stream_export,
)
from streetlevel.registry.adapters.read.views import timestamp
from streetlevel.registry.api.deps import RuntimeDep
from streetlevel.registry.api.schemas import EnterpriseExportLine

router = APIRouter(prefix="/v1/enterprises", tags=["export"])


class ExportResponse(StreamingResponse):
    """A streamed export that closes its generator however it ends, so its connection is freed.

    When the client goes away Starlette stops iterating but leaves the generator open until the
    garbage collector finds it; closing it here releases the database connection at once.
    """

    def __init__(self, content: AsyncGenerator[bytes, None], **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self._content = content

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._content.aclose()


@router.get(
    "/export",
    summary="Bulk export of the public register (streamed; Open Government Licence v3.0)",
    response_class=NDJSONResponse,
    responses={
        200: {
            "model": EnterpriseExportLine,
            "description": "`ndjson`: a meta line, then one public record a line; `hsds`: one "
            "HSDS 3.0 document; `csv`: one row per enterprise",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/HsdsExport"}},
                "text/csv": {"schema": CSV_SCHEMA},
            },
        }
    },
)
async def export(
    runtime: RuntimeDep, format: Annotated[Format, Query()] = "ndjson"
) -> StreamingResponse:
    """The public register, streamed in constant memory: CSV, NDJSON or HSDS 3.0."""
    extension = "json" if format == "hsds" else format
    return ExportResponse(
        stream_export(runtime.engine, format, generated_at=timestamp(runtime.clock.now())),
        media_type=MEDIA_TYPES[format],
        headers={
            "Content-Disposition": f'attachment; filename="enterprises.{extension}"',
            "X-License": LICENSE,
            "Link": f'<{LICENSE_URL}>; rel="license"',
        },
    )
