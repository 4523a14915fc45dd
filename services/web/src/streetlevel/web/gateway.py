"""The site's only upstream: the gateway's public API, read anonymously and conditionally."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx2

from streetlevel.web.cache import AnswerCache


class GatewayUnavailable(Exception):
    """The gateway could not be reached or answered 5xx: the page says so with 503."""


class NotFound(Exception):
    """The gateway answered 404 for something the page needs."""


class Gone(Exception):
    """The gateway answered 410 (or the thing is dissolved): the page says so with 410."""


class GatewayClient:
    """GETs JSON from the gateway; answers are cached and revalidated with If-None-Match."""

    def __init__(
        self,
        http: httpx2.AsyncClient,
        *,
        cache: AnswerCache,
    ) -> None:
        self.http = http
        self.cache = cache
        self.requests = 0
        self.not_modified = 0

    @classmethod
    def create(
        cls,
        base_url: str,
        *,
        timeout_s: float,
        cache_entries: int,
        cache_ttl_s: float,
        transport: httpx2.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> GatewayClient:
        http = httpx2.AsyncClient(
            base_url=base_url,
            transport=transport,
            timeout=timeout_s,
            headers={"Accept": "application/json", "User-Agent": "streetlevel-web"},
            follow_redirects=False,
        )
        return cls(
            http, cache=AnswerCache(max_entries=cache_entries, ttl_s=cache_ttl_s, clock=clock)
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def get(self, path: str, *, fresh: bool = False, **params: Any) -> Any:
        """The JSON at ``path`` (``fresh``: never cached); NotFound, Gone or GatewayUnavailable."""
        query = {k: v for k, v in params.items() if v is not None}
        key = path + ("?" + urlencode(sorted(query.items()), doseq=True) if query else "")
        entry = None if fresh else self.cache.get(key)
        if entry is not None and self.cache.fresh(entry):
            return entry.body
        headers = {"If-None-Match": entry.etag} if entry is not None and entry.etag else {}
        self.requests += 1
        try:
            response = await self.http.get(key, headers=headers)
        except httpx2.HTTPError as exc:
            raise GatewayUnavailable(f"{type(exc).__name__} reading {path}") from exc
        if response.status_code == 304 and entry is not None:
            self.not_modified += 1
            return self.cache.touch(key, entry).body
        if response.status_code == 404:
            raise NotFound(path)
        if response.status_code == 410:
            raise Gone(path)
        if response.status_code >= 500 or response.status_code == 429:
            raise GatewayUnavailable(f"{response.status_code} reading {path}")
        if response.status_code != 200:
            # A 4xx for a well-formed public read means the thing is not there to show.
            raise NotFound(f"{response.status_code} reading {path}")
        try:
            body = response.json()
        except ValueError as exc:
            raise GatewayUnavailable(f"unreadable JSON from {path}") from exc
        if fresh:
            return body
        return self.cache.put(key, body, response.headers.get("etag")).body
