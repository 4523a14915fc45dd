"""Gateway test fixtures: a tiny upstream service, a started gateway, forged tokens."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, StreamingResponse

from streetlevel.common.problems import install_problem_handlers
from streetlevel.common.service import CurrentPrincipal
from streetlevel.gateway.app import Gateway, GatewayEdge, create_app
from streetlevel.gateway.routing import ServiceSpec
from streetlevel.gateway.settings import GatewaySettings
from streetlevel.testing.lifespan import LifespanManager


class Monotonic:
    """A monotonic clock the test moves by hand (verifiers' JWKS refresh intervals)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Echo:
    """An upstream that records what reached it."""

    hits: int = 0
    last_headers: dict[str, str] = field(default_factory=dict)
    hang: asyncio.Event = field(default_factory=asyncio.Event)
    monotonic: Monotonic = field(default_factory=Monotonic)
    live: bool = True


def echo_app(echo: Echo) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.api_route("/v1/echo/{rest:path}", methods=["GET", "POST", "PUT", "DELETE"])
    async def handle(rest: str, request: Request) -> JSONResponse:
        echo.hits += 1
        echo.last_headers = dict(request.headers)
        body = await request.body()
        return JSONResponse(
            {"path": rest, "method": request.method, "size": len(body)},
            headers={"Connection": "x-secret", "X-Secret": "hop", "Keep-Alive": "timeout=5"},
        )

    @app.get("/v1/slow/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for i in range(5):
                yield f"chunk{i}\n".encode()

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.get("/v1/slow/hang")
    async def hang() -> JSONResponse:
        await echo.hang.wait()
        return JSONResponse({})

    @app.get("/livez")
    async def livez() -> JSONResponse:
        if not echo.live:  # as a service whose consumer loop has ended answers
            return JSONResponse({"failures": ["consumer echo: RuntimeError"]}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/v1/echo-auth/whoami")
    async def whoami(principal: CurrentPrincipal) -> JSONResponse:
        return JSONResponse({"client_id": principal.client_id})

    return app


def gateway_settings(tmp_path: Path, **overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "mode": "embedded",
        "server_key": "test-server-key",
        "key_publish_lead_s": 0,
        "log_json": False,
    }
    values.update(overrides)
    return GatewaySettings(**values)


@dataclass
class Running:
    app: GatewayEdge
    http: httpx2.AsyncClient
    echo: Echo

    @property
    def gateway(self) -> Gateway:
        return self.app.gateway

    async def client(self, kind: Any = "registrar", **extra: Any) -> tuple[str, str]:
        client, secret = await self.gateway.clients.create(kind=kind, name=f"{kind}", **extra)
        return client.id, secret

    async def token(self, client_id: str, secret: str, **form: str) -> str:
        response = await self.http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", **form},
            auth=(client_id, secret),
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    async def bearer(self, kind: Any = "registrar", **extra: Any) -> dict[str, str]:
        return {"Authorization": "Bearer " + await self.token(*await self.client(kind, **extra))}


@asynccontextmanager
async def running(
    tmp_path: Path,
    *,
    services: list[ServiceSpec] | None = None,
    **overrides: Any,
) -> AsyncIterator[Running]:
    """A started gateway over ``services``, else over the echo upstream."""
    echo = Echo()
    if services is None:
        upstream = echo_app(echo)
        services = [
            ServiceSpec(
                name="echo", prefixes=("/v1/echo", "/v1/slow", "/v1/echo-auth"), app=upstream
            )
        ]
    app = create_app(gateway_settings(tmp_path, **overrides), services=services)
    for spec in services or ():
        if spec.app is not None and hasattr(spec.app, "state") and spec.name == "echo":
            # The tiny upstream verifies tokens against the gateway's own keys, like a service.
            from streetlevel.common.auth import TokenVerifier

            spec.app.state.runtime = _VerifierOnly(
                TokenVerifier(
                    app.gateway.keys.jwks,
                    issuer=app.gateway.settings.jwt_issuer,
                    audience=app.gateway.settings.jwt_audience,
                    monotonic=echo.monotonic,
                )
            )
    # An embedded start imports and migrates every service: slow on a loaded CI machine.
    async with LifespanManager(app, startup_timeout=30):
        transport = httpx2.ASGITransport(app=app, client=("203.0.113.7", 4711))
        async with httpx2.AsyncClient(transport=transport, base_url="http://gw.test") as http:
            yield Running(app, http, echo)


@dataclass
class _VerifierOnly:
    verifier: Any


@pytest.fixture
def gateway_factory(tmp_path: Path) -> Callable[..., Any]:
    def make(**overrides: Any) -> Any:
        return running(tmp_path, **overrides)

    return make


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def forge(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    return ".".join(
        [b64(json.dumps(header).encode()), b64(json.dumps(claims).encode()), b64(signature)]
    )


def hs256_with(secret: bytes, header: dict[str, Any], claims: dict[str, Any]) -> str:
    signing_input = ".".join(
        [b64(json.dumps(header).encode()), b64(json.dumps(claims).encode())]
    ).encode()
    signature = hmac.new(secret, signing_input, hashlib.sha256).digest()
    return signing_input.decode() + "." + b64(signature)


def claims_for(gateway: Gateway, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": gateway.settings.jwt_issuer,
        "aud": gateway.settings.jwt_audience,
        "sub": "client-x",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        "scope": "admin",
        "kind": "registrar",
    }
    claims.update(changes)
    return claims


@pytest.fixture
def forgery() -> Any:
    """Helpers that build tokens a gateway must refuse."""
    from types import SimpleNamespace

    return SimpleNamespace(claims_for=claims_for, forge=forge, hs256_with=hs256_with)


@pytest.fixture
def kit() -> Any:
    """The echo upstream and settings builder, for tests that run their own servers."""
    from types import SimpleNamespace

    return SimpleNamespace(Echo=Echo, echo_app=echo_app, settings=gateway_settings)
