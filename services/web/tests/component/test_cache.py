"""The shared cache: bounded, fresh for its TTL, then revalidated with If-None-Match."""

from __future__ import annotations

import httpx2

from streetlevel.web.cache import AnswerCache
from streetlevel.web.gateway import GatewayClient

from .conftest import API, Demo


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_cache_drops_the_least_recently_used_entry_beyond_its_bound() -> None:
    cache = AnswerCache(max_entries=2, ttl_s=10, clock=Clock())
    cache.put("a", 1, None)
    cache.put("b", 2, None)
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("c", 3, None)
    assert len(cache) == 2
    assert cache.get("b") is None
    assert cache.get("a") is not None
    assert cache.get("c") is not None


def test_an_entry_is_fresh_only_for_its_ttl() -> None:
    clock = Clock()
    cache = AnswerCache(max_entries=2, ttl_s=10, clock=clock)
    entry = cache.put("a", 1, '"x"')
    assert cache.fresh(entry)
    clock.now += 10
    assert not cache.fresh(entry)
    assert cache.fresh(cache.touch("a", entry))


async def test_a_stale_answer_is_revalidated_and_a_fresh_one_not_asked_for(demo: Demo) -> None:
    clock = Clock()
    client = GatewayClient.create(
        API,
        timeout_s=5,
        cache_entries=8,
        cache_ttl_s=10,
        transport=httpx2.ASGITransport(app=demo.gateway),
        clock=clock,
    )
    try:
        first = await client.get("/v1/areas/E05015186")
        assert client.requests == 1
        assert await client.get("/v1/areas/E05015186") == first
        assert client.requests == 1, "fresh: the gateway was not asked"
        clock.now += 11
        assert await client.get("/v1/areas/E05015186") == first
        assert client.requests == 2
        assert client.not_modified == 1, "stale: revalidated with If-None-Match, 304"
    finally:
        await client.close()
