"""The FastAPI shell every service shares: lifespan, problems, health, metrics, principal."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.telemetry import TelemetryConfig
from pydantic import BaseModel
from sqlalchemy import Table
from starlette.responses import JSONResponse, Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from streetlevel.common.auth import ANONYMOUS, Principal, bearer_token
from streetlevel.common.authfirst import AuthFirst, WriteRules
from streetlevel.common.contract import EventContract, contract_router
from streetlevel.common.errors import Forbidden, Unauthorized
from streetlevel.common.http import Compression, HttpMiddleware
from streetlevel.common.idempotency import IdempotencyMiddleware
from streetlevel.common.logging import configure_logging
from streetlevel.common.metrics import refresh, render
from streetlevel.common.openapi import declare_security, describe_routes
from streetlevel.common.problems import install_problem_handlers, problem
from streetlevel.common.runtime import Runtime
from streetlevel.common.timeouts import within
from streetlevel.common.web import EdgeMiddleware

Hook = Callable[[Runtime], Awaitable[None]]
#: A route's fast lane: answers a GET from the raw scope and returns True, or returns False
#: (having sent nothing) to leave the request to the route itself.
FastHandler = Callable[[Runtime, Scope, dict[str, str], Send], Awaitable[bool]]
E = TypeVar("E", bound=Callable[..., Any])
_FAST = "__streetlevel_fast__"
#: Spans and metrics come from the edge (``tracing``, ``metrics``), with each service's own
#: provider. FastAPI's native OpenTelemetry would only act on a global provider, which nothing
#: sets, yet asked on every request whether one is set (~27 us per check, docs/benchmarks.md).
NO_FASTAPI_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def fast_lane(handler: FastHandler) -> Callable[[E], E]:
    """Offer a route's GETs to ``handler`` first, before FastAPI's routing and dependencies."""
    # For the hottest reads only. The route stays the contract (OpenAPI, validation, errors):
    # the handler answers only what it answers exactly as the route would, and returns False
    # for everything else (bad input, errors, anything unusual), which the route then serves.

    def mark(endpoint: E) -> E:
        setattr(endpoint, _FAST, handler)
        return endpoint

    return mark


@dataclass(frozen=True, slots=True)
class _Route:
    """What the edge's metrics and access log read from ``scope["route"]``."""

    path: str


def _endpoints(routes: Iterable[Any]) -> Iterator[tuple[str, Any]]:
    for route in routes:
        path, endpoint = getattr(route, "path", None), getattr(route, "endpoint", None)
        if isinstance(path, str) and endpoint is not None:
            yield path, endpoint
        nested = getattr(route, "effective_candidates", None)  # FastAPI's included routers
        if callable(nested):
            yield from _endpoints(nested())


class _FastLanes:
    """Pure ASGI: a GET that a marked route's path matches goes to its fast handler first."""

    def __init__(self, app: ASGIApp, runtime: Runtime, routes: Iterable[Any]) -> None:
        self.app = app
        self.runtime = runtime
        self.lanes: list[tuple[re.Pattern[str], _Route, FastHandler]] = []
        for path, endpoint in _endpoints(routes):
            handler = getattr(endpoint, _FAST, None)
            if handler is not None:
                self.lanes.append((compile_path(path)[0], _Route(path), handler))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            for regex, route, handler in self.lanes:
                match = regex.match(scope["path"])
                if match is not None:
                    scope["route"] = route
                    if await handler(self.runtime, scope, match.groupdict(), send):
                        return
                    break
        await self.app(scope, receive, send)


def health_router(
    checks: Callable[[], dict[str, Callable[[], Awaitable[Any]]]],
    failures: Callable[[], list[str]] = list,
) -> APIRouter:
    """``/livez`` (the process can go on) and ``/readyz`` (its dependencies answer)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/livez")
    async def livez() -> Response:
        failed = failures()
        if failed:
            dead: Response = problem(503, "Not live: " + "; ".join(failed), failures=failed)
            return dead
        return JSONResponse({"status": "ok"})

    @router.get("/readyz")
    async def readyz() -> Response:
        named = checks()
        # Side by side: the gateway asks every upstream, and a slow one must not add to the rest.
        outcomes = await asyncio.gather(
            *(within(3, check()) for check in named.values()),
            return_exceptions=True,
        )
        results: dict[str, str] = {}
        for name, outcome in zip(named, outcomes, strict=True):
            if isinstance(outcome, Exception):  # report, never raise: readiness is a verdict
                results[name] = f"unavailable: {type(outcome).__name__}"
            elif isinstance(outcome, BaseException):
                raise outcome
            else:
                results[name] = "ok"
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
    async def metrics(request: Request) -> Response:
        await refresh()
        body, content_type = render(request.headers.get("accept", ""))
        return Response(body, media_type=content_type)

    return router


class _ServiceApp(FastAPI):
    """Puts the edge middleware outside Starlette's error middleware, so 500s get its headers.

    Outside in: edge (ids, limits, headers) → auth before body → HTTP (HEAD, OPTIONS, ETags,
    gzip) → fast lanes → FastAPI.
    """

    edge: dict[str, Any]
    write_rules: WriteRules | None
    #: Models a route documents by reference only (e.g. another media type of a stream).
    schemas: Sequence[type[BaseModel]] = ()

    def build_middleware_stack(self) -> ASGIApp:
        app = super().build_middleware_stack()
        lanes = _FastLanes(app, self.state.runtime, self.router.routes)
        inner: ASGIApp = lanes if lanes.lanes else app
        runtime: Runtime = self.state.runtime
        settings = runtime.settings
        if settings.http_edge:
            compression = Compression(
                settings.gzip_min_bytes, settings.gzip_level, settings.gzip_stream_level
            )
            inner = HttpMiddleware(
                inner, routes=lambda: self.router.routes, compression=compression
            )

            async def verify(authorization: str | None) -> Principal:
                return await principal_of(runtime, authorization)

            if self.write_rules is not None:
                inner = AuthFirst(inner, verify=verify, rules=self.write_rules)
        return EdgeMiddleware(inner, **self.edge)

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = describe_routes(super().openapi(), self.routes, self.schemas)
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
    schemas: Sequence[type[BaseModel]] = (),
    contract: EventContract | None = None,
) -> FastAPI:
    """A service's ASGI app; its lifespan starts and stops the runtime.

    Every write needs a valid token, and the scope its route's ``requires()`` declares, before
    its body is read (401/403 before 422).
    ``contract``: the service's published events, served for the gateway to merge.
    """

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
        # One schema per model: a request model that responses reuse is documented as it is
        # accepted (decimals as number or string); response models that must say exactly what
        # is sent (strings) pin their own mode.
        separate_input_output_schemas=False,
        telemetry=NO_FASTAPI_TELEMETRY,
    )
    app.state.runtime = runtime
    app.schemas = schemas
    app.state.public_base_url = settings.public_base_url
    install_problem_handlers(app)
    for router in routers:
        app.include_router(router)
    app.include_router(health_router(runtime.readiness_checks, runtime.liveness_failures))
    if contract is not None:
        app.state.event_contract = contract
        app.include_router(contract_router(contract, settings.public_base_url))
    if idempotency is not None:
        app.add_middleware(IdempotencyMiddleware, runtime=runtime, table=idempotency)
    app.edge = {"service": runtime.service, "max_body_bytes": runtime.settings.max_body_bytes}
    # Auth before the body, from the routes' own requires() declarations (read lazily).
    app.write_rules = WriteRules(routes=lambda: app.router.routes)
    return app


async def principal_of(runtime: Runtime, authorization: str | None) -> Principal:
    """The caller of an ``Authorization`` header, verified by this service itself."""
    token = bearer_token(authorization)
    if token is None:
        return ANONYMOUS
    if runtime.verifier is None:
        raise Unauthorized("This service has no key source configured to verify tokens.")
    return await runtime.verifier.verify(token)


async def get_principal(request: Request) -> Principal:
    """The caller, verified by this service itself (the gateway is never trusted blindly)."""
    return await principal_of(request.app.state.runtime, request.headers.get("authorization"))


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def requires(*scopes: str) -> Any:
    """A route dependency refusing anonymous callers (401) and, given scopes, others (403).

    Several scopes are alternatives (any one will do). The route's OpenAPI ``security`` is
    derived from this dependency, so the document says exactly what is enforced.
    """

    async def require_token(principal: CurrentPrincipal) -> Principal:
        if principal.is_anonymous:
            raise Unauthorized("This operation needs a bearer token.")
        if scopes and not any(principal.has(scope) for scope in scopes):
            if len(scopes) == 1:
                principal.require(scopes[0])
            raise Forbidden(
                f"This operation needs one of the scopes {', '.join(scopes)}.",
                required_scope=" ".join(scopes),
            )
        return principal

    declare_security(require_token, *scopes)
    return Depends(require_token)


async def get_runtime(request: Request) -> Runtime:
    """The service's runtime (async: a sync dependency would cost a thread-pool hop)."""
    runtime: Runtime = request.app.state.runtime
    return runtime
