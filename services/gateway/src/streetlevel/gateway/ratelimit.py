"""Rate limits per client id (a quota per client) and per IP for anonymous callers."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string

from streetlevel.common.metrics import RATE_LIMIT_REFUSALS

QuotaSource = Callable[[], Awaitable[dict[str, str]]]


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int

    def headers(self) -> list[tuple[bytes, bytes]]:
        out = [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(self.reset_s).encode()),
        ]
        if not self.allowed:
            out.append((b"retry-after", str(max(self.reset_s, 1)).encode()))
        return out


class RateLimiter:
    """Fixed windows in memory (embedded) or Redis (several replicas share the counts)."""

    def __init__(
        self,
        *,
        anonymous: str,
        client: str,
        oauth: str,
        redis_url: str | None = None,
        quotas: QuotaSource | None = None,
        quota_cache_s: float = 30.0,
    ) -> None:
        storage: Storage
        if redis_url:
            url = redis_url if redis_url.startswith("async+") else "async+" + redis_url
            # redis-py is the client the workspace ships (limits defaults to coredis).
            found = storage_from_string(url, implementation="redispy")
            assert isinstance(found, Storage)
            storage = found
        else:
            storage = MemoryStorage()
        self.storage = storage
        self.strategy = FixedWindowRateLimiter(storage)
        self.anonymous = parse(anonymous)
        self.client = parse(client)
        self.oauth = parse(oauth)
        self._quotas = quotas
        self._quota_cache_s = quota_cache_s
        self._custom: dict[str, RateLimitItem] = {}
        self._quotas_at: float | None = None
        for policy in ("anonymous", "client", "oauth"):  # zero from the start, not nothing
            RATE_LIMIT_REFUSALS.labels(policy)

    async def _client_limit(self, client_id: str) -> RateLimitItem:
        now = time.monotonic()
        if self._quotas is not None and (
            self._quotas_at is None or now - self._quotas_at > self._quota_cache_s
        ):
            self._quotas_at = now
            self._custom = {k: parse(v) for k, v in (await self._quotas()).items()}
        return self._custom.get(client_id, self.client)

    def forget_quotas(self) -> None:
        self._quotas_at = None

    async def hit(self, *, client_id: str | None, ip: str, oauth: bool = False) -> Verdict:
        if oauth:
            item, key, policy = self.oauth, f"oauth:{ip}", "oauth"
        elif client_id is not None:
            item, key, policy = await self._client_limit(client_id), f"client:{client_id}", "client"
        else:
            item, key, policy = self.anonymous, f"ip:{ip}", "anonymous"
        allowed = await self.strategy.hit(item, key)
        if not allowed:
            RATE_LIMIT_REFUSALS.labels(policy).inc()
        stats = await self.strategy.get_window_stats(item, key)
        reset = max(math.ceil(stats.reset_time - time.time()), 0)
        return Verdict(allowed, item.amount, max(stats.remaining, 0), reset)
