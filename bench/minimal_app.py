"""The framework-ceiling references: the same response bytes from memory, FastAPI and bare ASGI.

All read the body once at import from $BENCH_BODY_FILE (the registry's real response).
``fastapi_app`` is FastAPI as a user gets it (the target's reference); ``quiet_app`` is the same
route with FastAPI's native telemetry off, as the services run it (evidence, not the target).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.responses import Response

from streetlevel.common.service import NO_FASTAPI_TELEMETRY

BODY = Path(os.environ["BENCH_BODY_FILE"]).read_bytes() if "BENCH_BODY_FILE" in os.environ else b""


def _minimal(**options: Any) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, **options)

    @app.get("/v1/enterprises/{enterprise_id}")
    async def get_enterprise(enterprise_id: str) -> Response:
        return Response(BODY, media_type="application/json")

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ok"}

    return app


fastapi_app = _minimal()
quiet_app = _minimal(telemetry=NO_FASTAPI_TELEMETRY)


_HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The machine's ceiling: no routing, no framework, one ASGI response."""
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": BODY})
