"""``GET /v1/enterprises/export``: the public register as CSV, NDJSON or HSDS 3.0."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import StreamingResponse

from streetlevel.registry.adapters.export import (
    LICENSE,
    LICENSE_URL,
    MEDIA_TYPES,
    Format,
    stream_export,
)
from streetlevel.registry.adapters.views import timestamp
from streetlevel.registry.api.deps import RuntimeDep

router = APIRouter(prefix="/v1/enterprises", tags=["export"])


@router.get(
    "/export",
    summary="Bulk export of the public register (streamed; Open Government Licence v3.0)",
    response_class=StreamingResponse,
)
async def export(
    runtime: RuntimeDep, format: Annotated[Format, Query()] = "ndjson"
) -> StreamingResponse:
    extension = "json" if format == "hsds" else format
    return StreamingResponse(
        stream_export(runtime.engine, format, generated_at=timestamp(runtime.clock.now())),
        media_type=MEDIA_TYPES[format],
        headers={
            "Content-Disposition": f'attachment; filename="enterprises.{extension}"',
            "X-License": LICENSE,
            "Link": f'<{LICENSE_URL}>; rel="license"',
        },
    )
