"""Rate limits per client id (a quota per client) and per IP for anonymous callers."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string

from streetlevel.common.metrics import RATE_LIMIT_REFUSALS

QuotaSource = Callable[[], Awaitable[dict[str, str]]]
#: Expired windows are dropped at most this often (one pass over the table).
SWEEP_S = 60.0


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


class MemoryWindows:
    """Fixed windows in a dict, for one process: a count and its reset time per key."""

    # The limits library's memory storage keeps the same windows (opened at the first hit, a
    # period long) behind a lock, a task and awaits; this costs one lookup per hit
    # (docs/benchmarks.md, gateway_overhead).

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._windows: dict[tuple[str, int, int], list[float]] = {}
        self._sweep_at = 0.0

    def hit(self, item: RateLimitItem, key: str) -> tuple[bool, int, float]:
        """Count one hit; whether it is allowed, what remains and when the window resets."""
        now = self._wall()
        if now >= self._sweep_at:
            self._sweep(now)
        period = item.get_expiry()
        slot = (key, item.amount, period)
        window = self._windows.get(slot)
        if window is None or window[1] <= now:
            window = self._windows[slot] = [0, now + period]
        window[0] += 1
        count = int(window[0])
        return count <= item.amount, max(item.amount - count, 0), window[1]

    def _sweep(self, now: float) -> None:
        self._sweep_at = now + SWEEP_S
        self._windows = {k: w for k, w in self._windows.items() if w[1] > now}


class RateLimiter:
    """Fixed windows in this process's memory, or in Redis (several replicas share the counts)."""

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
        storage: Storage | None = None
        self.memory: MemoryWindows | None = None
        if redis_url:
            url = redis_url if redis_url.startswith("async+") else "async+" + redis_url
            # redis-py is the client the workspace ships (limits defaults to coredis).
            found = storage_from_string(url, implementation="redispy")
            assert isinstance(found, Storage)
            storage = found
        else:
            self.memory = MemoryWindows()
        self.storage = storage
        self.strategy = FixedWindowRateLimiter(storage) if storage is not None else None
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
        if self.memory is not None:
            allowed, remaining, reset_at = self.memory.hit(item, key)
        else:
            assert self.strategy is not None
            allowed = await self.strategy.hit(item, key)
            stats = await self.strategy.get_window_stats(item, key)
            remaining, reset_at = stats.remaining, stats.reset_time
        if not allowed:
            RATE_LIMIT_REFUSALS.labels(policy).inc()
        reset = max(math.ceil(reset_at - time.time()), 0)
        return Verdict(allowed, item.amount, max(remaining, 0), reset)
