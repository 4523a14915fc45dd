"""``/livez``, ``/readyz`` (the gateway answers) and ``/metrics``, with no database kit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response

from streetlevel.common.metrics import render
from streetlevel.common.timeouts import within


def health_router(checks: Callable[[], dict[str, Callable[[], Awaitable[Any]]]]) -> APIRouter:
    """The same probes as every service's (common.service), answered the same way."""
    router = APIRouter(include_in_schema=False)

    @router.get("/livez")
    async def livez() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> Response:
        results: dict[str, str] = {}
        for name, check in checks().items():
            try:
                await within(3, check())
                results[name] = "ok"
            except Exception as exc:  # report, never raise: readiness is a verdict
                results[name] = f"unavailable: {type(exc).__name__}"
        ready = all(v == "ok" for v in results.values())
        return JSONResponse(
            {"status": "ok" if ready else "unavailable", "checks": results},
            status_code=200 if ready else 503,
            headers={} if ready else {"Retry-After": "2"},
        )

    @router.get("/metrics")
    async def metrics() -> Response:
        body, content_type = render()
        return Response(body, media_type=content_type)

    return router
