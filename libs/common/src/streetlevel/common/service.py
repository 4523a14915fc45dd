"""The FastAPI shell every service shares: lifespan, problems, health, metrics, principal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy import Table
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

from streetlevel.common.auth import ANONYMOUS, Principal, bearer_token
from streetlevel.common.errors import Unauthorized
from streetlevel.common.idempotency import IdempotencyMiddleware
from streetlevel.common.logging import configure_logging
from streetlevel.common.metrics import render
from streetlevel.common.openapi import with_problem_responses
from streetlevel.common.problems import install_problem_handlers, problem
from streetlevel.common.runtime import Runtime
from streetlevel.common.web import EdgeMiddleware

Hook = Callable[[Runtime], Awaitable[None]]


def health_router(checks: Callable[[], dict[str, Callable[[], Awaitable[Any]]]]) -> APIRouter:
    """``/livez`` (the process answers) and ``/readyz`` (its dependencies answer)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/livez")
    async def livez() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> Response:
        results: dict[str, str] = {}
        for name, check in checks().items():
            try:
                await asyncio.wait_for(check(), timeout=3)
                results[name] = "ok"
            except Exception as exc:  # report, never raise: readiness is a verdict
                results[name] = f"unavailable: {type(exc).__name__}"
        if all(v == "ok" for v in results.values()):
            return JSONResponse({"status": "ok", "checks": results})
        not_ready: Response = problem(
            503,
            "Not ready: " + ", ".join(f"{k} {v}" for k, v in results.items() if v != "ok"),
            headers={"Retry-After": "2"},
            checks=results,
        )
        return not_ready

    @router.get("/metrics")
    async def metrics() -> Response:
        body, content_type = render()
        return Response(body, media_type=content_type)

    return router


class _ServiceApp(FastAPI):
    """Puts the edge middleware outside Starlette's error middleware, so 500s get its headers."""

    edge: dict[str, Any]

    def build_middleware_stack(self) -> ASGIApp:
        return EdgeMiddleware(super().build_middleware_stack(), **self.edge)

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = with_problem_responses(super().openapi())
        return self.openapi_schema


def build_service_app(
    runtime: Runtime,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    on_start: Sequence[Hook] = (),
    version: str = "1.0.0",
    idempotency: Table | None = None,
) -> FastAPI:
    """A service's ASGI app; its lifespan starts and stops the runtime."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        for hook in on_start:
            await hook(runtime)
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    settings = runtime.settings
    configure_logging(level=settings.log_level, json=settings.log_json, service=runtime.service)
    app = _ServiceApp(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.runtime = runtime
    install_problem_handlers(app)
    for router in routers:
        app.include_router(router)
    app.include_router(health_router(runtime.readiness_checks))
    if idempotency is not None:
        app.add_middleware(IdempotencyMiddleware, runtime=runtime, table=idempotency)
    app.edge = {"service": runtime.service, "max_body_bytes": runtime.settings.max_body_bytes}
    return app


async def get_principal(request: Request) -> Principal:
    """The caller, verified by this service itself (the gateway is never trusted blindly)."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        return ANONYMOUS
    runtime: Runtime = request.app.state.runtime
    if runtime.verifier is None:
        raise Unauthorized("This service has no key source configured to verify tokens.")
    return await runtime.verifier.verify(token)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_runtime(request: Request) -> Runtime:
    """The service's runtime (async: a sync dependency would cost a thread-pool hop)."""
    runtime: Runtime = request.app.state.runtime
    return runtime
