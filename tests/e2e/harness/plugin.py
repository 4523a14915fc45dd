"""Session fixtures shared by tests/e2e, tests/security and tests/faults (one stack per run)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from .actors import Cast, cast_from_admin
from .api import Actor, Api
from .platform import Platform
from .world import World, build_world

#: Set to the state dir of a stack started by `python -m ...harness.devstack` to reuse it.
ATTACH_ENV = "STREETLEVEL_E2E_STACK"


@pytest.fixture(scope="session")
def platform() -> Iterator[Platform]:
    """The native stack, started once; a stack that cannot start fails the tests."""
    if os.environ.get(ATTACH_ENV):
        yield Platform.attach(Path(os.environ[ATTACH_ENV]))
        return
    try:
        stack = Platform.up()
    except Exception as exc:
        pytest.fail(f"the native stack did not start: {exc}", pytrace=False)
    try:
        yield stack
    finally:
        stack.down()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def gateway(platform: Platform) -> AsyncIterator[Api]:
    """A recording client of the stack's gateway."""
    api = Api.over(platform.gateway_url)
    yield api
    await api.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def cast(platform: Platform, gateway: Api) -> Cast:
    """The first admin from the CLI; councils and their clients through the admin API."""
    made = platform.cli("clients", "create", "--kind", "registrar", "--name", "platform operator")
    admin = Actor("registrar", "registrar", made["client_id"], made["client_secret"])
    known = (await gateway.get("/v1/admin/councils", admin, expect=200)).json()
    return await cast_from_admin(gateway, admin, known_councils={c["org_id"] for c in known})


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def world(platform: Platform, gateway: Api, cast: Cast) -> World:
    """One awarded, delivering commission and its parties (built once per session)."""
    return await build_world(gateway, cast, platform)
