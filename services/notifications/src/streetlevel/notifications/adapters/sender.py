"""Safe outbound HTTP: resolve once, check the address, connect to it, no redirects, 64 KB cap."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache

from streetlevel.common.timeouts import within
from streetlevel.notifications.domain.errors import UnsafeTarget
from streetlevel.notifications.domain.targets import Target, check_address, parse_target

MAX_RESPONSE_BYTES = 64 * 1024
EXCERPT_CHARS = 1024
USER_AGENT = "StreetLevel-Webhooks/1.0"
#: Idle keep-alive connections kept per checked address, and how long one may stay idle. One
#: receiving host often serves many subscriptions (a supplier's system for several councils).
IDLE_PER_ADDRESS = 256
IDLE_FOR_S = 30.0
#: Idle connections kept in all: past this the oldest is closed (file descriptors are finite).
IDLE_TOTAL = 2048

#: A pooled connection is keyed by the checked address it was opened to, never by name alone.
PoolKey = tuple[str, str, int, str]


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: a status, or an error before any status was read."""

    status: int | None
    latency_ms: int
    excerpt: str = ""
    error: str | None = None


Sender = Callable[[str, dict[str, str], bytes], Awaitable[Outcome]]
Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return [str(info[4][0]) for info in infos]


class SafeSender:
    """POSTs a webhook to a target that is checked again at every attempt."""

    def __init__(
        self,
        *,
        allow_loopback: bool = False,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 10.0,
        resolver: Resolver = system_resolver,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.allow_loopback = allow_loopback
        self.connect_timeout_s = connect_timeout_s
        self.read_timeout_s = read_timeout_s
        self.resolver = resolver
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.pool = ConnectionPool()

    async def resolve(self, target: Target) -> str:
        """The one address this attempt connects to; every resolved address must be safe."""
        if _is_literal(target.host):
            return target.host.strip("[]")  # parse_target checked it; no lookup to wait for
        addresses = await self.resolver(target.host, target.port)
        if not addresses:
            raise UnsafeTarget(f"{target.host} does not resolve.")
        for address in addresses:
            # One unsafe answer refuses the lot: a rebinding host often mixes them.
            check_address(address, allow_loopback=self.allow_loopback)
        return addresses[0]

    async def __call__(self, url: str, headers: dict[str, str], body: bytes) -> Outcome:
        started = time.perf_counter()

        def elapsed() -> int:
            return int((time.perf_counter() - started) * 1000)

        try:
            target = parse_target(url, allow_loopback=self.allow_loopback)
            if _is_literal(target.host):
                # parse_target checked it: no lookup to wait for, so no timeout task either.
                address = target.host.strip("[]")
            else:
                async with asyncio.timeout(self.connect_timeout_s):
                    address = await self.resolve(target)
        except UnsafeTarget as exc:
            return Outcome(None, elapsed(), error=f"refused: {exc.detail}"[:200])
        except (OSError, TimeoutError) as exc:
            return Outcome(None, elapsed(), error=f"dns: {type(exc).__name__}")
        try:
            status, excerpt = await self._post(target, address, headers, body)
        except TimeoutError:
            return Outcome(None, elapsed(), error="timeout")
        except (
            OSError,
            ssl.SSLError,
            ValueError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
        ) as exc:
            return Outcome(None, elapsed(), error=f"connection: {type(exc).__name__}")
        return Outcome(status, elapsed(), excerpt=excerpt)

    async def _post(
        self, target: Target, address: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, str]:
        key: PoolKey = (target.scheme, target.host, target.port, address)
        reused = self.pool.take(key)
        if reused is not None:
            try:
                return await self._exchange(key, reused, target, headers, body)
            except (OSError, ValueError, asyncio.IncompleteReadError):
                pass  # the receiver closed it while idle: once more on a fresh connection
        tls = self.ssl_context if target.scheme == "https" else None
        # Connect to the checked address; TLS still verifies the certificate for the host name.
        fresh = await within(
            self.connect_timeout_s,
            asyncio.open_connection(
                address, target.port, ssl=tls, server_hostname=target.host if tls else None
            ),
        )
        return await self._exchange(key, fresh, target, headers, body)

    async def _exchange(
        self,
        key: PoolKey,
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        target: Target,
        headers: dict[str, str],
        body: bytes,
    ) -> tuple[int, str]:
        """One request on ``connection``; it goes back to the pool only if the answer was whole."""
        reader, writer = connection
        keep = False
        try:
            host = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
            lines = [
                f"POST {target.path} HTTP/1.1",
                f"Host: {host}",
                f"User-Agent: {USER_AGENT}",
                "Content-Type: application/json",
                f"Content-Length: {len(body)}",
                *(f"{k}: {v}" for k, v in headers.items()),
            ]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            await writer.drain()
            async with asyncio.timeout(self.read_timeout_s):
                status, excerpt, keep = await _read_response(reader)
            return status, excerpt
        finally:
            if keep:
                self.pool.put(key, connection)
            else:
                writer.close()

    async def aclose(self) -> None:
        """Close every idle connection (shutdown)."""
        self.pool.clear()


class ConnectionPool:
    """Idle keep-alive connections per checked address, the most recently used first."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.idle: dict[PoolKey, list[tuple[float, asyncio.StreamReader, asyncio.StreamWriter]]]
        self.idle = {}
        self.size = 0

    def take(self, key: PoolKey) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """A live idle connection to exactly this address, or None."""
        stack = self.idle.get(key)
        now = self.clock()
        while stack:
            since, reader, writer = stack.pop()
            self.size -= 1
            if now - since <= IDLE_FOR_S and not reader.at_eof() and not writer.is_closing():
                if not stack:
                    del self.idle[key]
                return reader, writer
            writer.close()
        self.idle.pop(key, None)
        return None

    def put(
        self, key: PoolKey, connection: tuple[asyncio.StreamReader, asyncio.StreamWriter]
    ) -> None:
        stack = self.idle.setdefault(key, [])
        if len(stack) >= IDLE_PER_ADDRESS or self.size >= IDLE_TOTAL:
            connection[1].close()
            return
        stack.append((self.clock(), *connection))
        self.size += 1

    def clear(self) -> None:
        for stack in self.idle.values():
            for _, _, writer in stack:
                writer.close()
        self.idle.clear()
        self.size = 0


@lru_cache(maxsize=4096)
def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, str, bool]:
    """The status, a bounded excerpt and whether the connection can carry another request.

    Redirects are answers like any other (never followed). Only an HTTP/1.1 answer whose body
    was read to its declared end, and that did not ask to close, leaves the connection reusable.
    """
    head = await reader.readuntil(b"\r\n\r\n")  # the reader's limit caps it at 64 KB
    if len(head) > MAX_RESPONSE_BYTES:
        raise ValueError("response head too large")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise ValueError("not an HTTP/1.x response")
    status = int(parts[1])
    length = None
    reusable = parts[0] == "HTTP/1.1"
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length" and value.strip().isdigit():
            length = int(value.strip())
        elif name == b"connection" and b"close" in value.lower():
            reusable = False
        elif name == b"transfer-encoding":
            reusable = False  # a chunked body is read as far as the cap, never to its end
    if length is None and (status in (204, 304) or 100 <= status < 200):
        length = 0
    budget = MAX_RESPONSE_BYTES - len(head)
    want = budget if length is None else min(length, budget)
    body = await reader.read(want) if want > 0 else b""
    while length is not None and len(body) < want:
        chunk = await reader.read(want - len(body))
        if not chunk:
            break
        body += chunk
    reusable = reusable and length is not None and len(body) == length
    return status, body[:EXCERPT_CHARS].decode("utf-8", "replace"), reusable
