"""A service that cannot be built or started stops embedded mode with its own error."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import pytest
from fastapi import FastAPI

from streetlevel.platform.embedded import create_app
from streetlevel.platform.services import SERVICES


class Broken(Exception):
    """The failing service's own error."""


def _unbuildable(*_: Any, **__: Any) -> Any:
    raise Broken("outcomes: areas file unreadable")


def _unstartable(*_: Any, **__: Any) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        raise Broken("outcomes: database refused the connection")
        yield  # pragma: no cover - never reached

    return FastAPI(lifespan=lifespan)


def _with_outcomes(factory: Any) -> tuple[Any, ...]:
    return tuple(replace(d, create_app=factory) if d.name == "outcomes" else d for d in SERVICES)


def test_a_service_that_cannot_be_built_stops_the_platform_with_its_error(settings_for) -> None:
    with pytest.raises(Broken, match="areas file unreadable"):
        create_app(settings_for(), services=_with_outcomes(_unbuildable))


async def test_a_service_that_cannot_start_stops_the_platform_with_its_error(
    settings_for,
) -> None:
    app = create_app(settings_for(), services=_with_outcomes(_unstartable))
    # Every service is mounted; none is dropped to keep the others up.
    names = [s.name for s in app.gateway.services]
    assert names == ["registry", "commissioning", "outcomes", "notifications"]
    # The server (uvicorn) is told start-up failed, with the service's error, and exits.
    answers = await _lifespan_startup(app)
    assert answers == [
        {"type": "lifespan.startup.failed", "message": "outcomes: database refused the connection"}
    ]


async def _lifespan_startup(app: Any) -> list[dict[str, Any]]:
    """What the app answers a server's lifespan start-up, as uvicorn would drive it."""
    sent: list[dict[str, Any]] = []
    queue = [{"type": "lifespan.startup"}]

    async def receive() -> dict[str, Any]:
        return queue.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(app({"type": "lifespan"}, receive, send), timeout=60)
    return sent


def test_settings_for_a_distributed_gateway_do_not_make_an_embedded_platform(
    settings_for,
) -> None:
    with pytest.raises(ValueError, match="GATEWAY_MODE=embedded"):
        create_app(settings_for(mode="distributed"))
