"""A recording HTTP client for the platform: actors with tokens, checked calls, bounded polls."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx2

T = TypeVar("T")


@dataclass
class Actor:
    """An API client of the platform and the principal it acts for."""

    name: str
    kind: str
    client_id: str
    secret: str
    org: str | None = None
    area: str | None = None
    enterprise_id: str | None = None
    token: str | None = None


@dataclass
class Exchange:
    """One request and its response, kept for the privacy and error scanners."""

    actor: str | None
    method: str
    path: str
    status: int
    content_type: str
    body: bytes


@dataclass
class Api:
    """Calls one base URL as any actor and remembers every exchange."""

    http: httpx2.AsyncClient
    exchanges: list[Exchange] = field(default_factory=list)

    @classmethod
    def over(cls, base_url: str, transport: Any = None) -> Api:
        kwargs: dict[str, Any] = {"base_url": base_url, "timeout": 60.0}
        if transport is not None:
            kwargs["transport"] = transport
        return cls(httpx2.AsyncClient(**kwargs))

    async def close(self) -> None:
        await self.http.aclose()

    async def login(self, actor: Actor) -> str:
        """A fresh client-credentials token for the actor (kept on it)."""
        resp = await self.http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": actor.client_id,
                "client_secret": actor.secret,
            },
        )
        assert resp.status_code == 200, resp.text
        actor.token = resp.json()["access_token"]
        return actor.token

    async def call(
        self,
        method: str,
        path: str,
        actor: Actor | None = None,
        *,
        expect: int | tuple[int, ...] | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx2.Response:
        """One request as actor (anonymous when None); asserts the status when expect is given."""
        sent = dict(headers or {})
        if actor is not None:
            if actor.token is None:
                await self.login(actor)
            sent.setdefault("Authorization", f"Bearer {actor.token}")
        resp = await self.http.request(method, path, headers=sent, **kwargs)
        self.exchanges.append(
            Exchange(
                actor.name if actor else None,
                method,
                path,
                resp.status_code,
                resp.headers.get("content-type", ""),
                resp.content,
            )
        )
        if expect is not None:
            wanted = (expect,) if isinstance(expect, int) else expect
            assert resp.status_code in wanted, (
                f"{method} {path} as {actor.name if actor else 'anonymous'}: "
                f"{resp.status_code} (wanted {wanted}): {resp.text[:2000]}"
            )
        return resp

    async def get(self, path: str, actor: Actor | None = None, **kw: Any) -> httpx2.Response:
        return await self.call("GET", path, actor, **kw)

    async def post(self, path: str, actor: Actor | None = None, **kw: Any) -> httpx2.Response:
        return await self.call("POST", path, actor, **kw)

    async def patch(self, path: str, actor: Actor | None = None, **kw: Any) -> httpx2.Response:
        return await self.call("PATCH", path, actor, **kw)

    async def put(self, path: str, actor: Actor | None = None, **kw: Any) -> httpx2.Response:
        return await self.call("PUT", path, actor, **kw)

    async def items(self, path: str, actor: Actor | None = None, **params: Any) -> list[Any]:
        """Every item of a paged list, following next_cursor."""
        out: list[Any] = []
        cursor = None
        for _ in range(1000):
            query = {**params, **({"cursor": cursor} if cursor else {})}
            page = (await self.get(path, actor, params=query, expect=200)).json()
            out += page["items"]
            cursor = page.get("next_cursor")
            # The change feed always hands back a resume cursor: an empty page is its end.
            if not cursor or not page["items"]:
                return out
        raise AssertionError(f"{path}: more than 1000 pages")


def claims(token: str) -> dict[str, Any]:
    """The (unverified) claims of a JWT: what the gateway put in it."""
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, within: float = 60.0, what: str = "condition"
) -> T:
    """Poll probe until it returns something truthy, at most timeout seconds."""
    deadline = time.monotonic() + within
    last: T | None = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(0.25)
    raise AssertionError(f"timed out after {within:.0f}s waiting for {what} (last: {last!r})")
