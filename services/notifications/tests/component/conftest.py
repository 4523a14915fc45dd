"""Embedded-mode fixtures: SQLite in a temp dir, the in-process bus, signed tokens, a receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from streetlevel.testing.tokens import TokenFactory

from .support import Embedded, Receiver, running

__all__ = ["Embedded"]


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest_asyncio.fixture
async def embedded(tmp_path: Path, tokens: TokenFactory) -> AsyncIterator[Embedded]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}"
    async with running(url, tokens) as started:
        yield started


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = await Receiver().start()
    yield r
    await r.stop()
