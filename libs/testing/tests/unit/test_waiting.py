"""The tests' polling helper: returns the first truthy result, fails with what it waited for."""

from __future__ import annotations

import pytest

from streetlevel.testing.waiting import eventually


async def test_returns_the_first_truthy_result() -> None:
    results = iter([None, [], ["plan"]])

    async def check() -> list[str] | None:
        return next(results)

    assert await eventually(check, interval=0) == ["plan"]


async def test_fails_naming_what_it_waited_for() -> None:
    calls = 0

    async def never() -> bool:
        nonlocal calls
        calls += 1
        return False

    with pytest.raises(AssertionError, match="waiting for the relay"):
        await eventually(never, "the relay", within=0, interval=0)
    assert calls >= 1
