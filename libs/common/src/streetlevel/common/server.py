"""Every service's HTTP/1.1 server protocol: uvicorn's httptools one, each turn's writes sent once.

uvicorn writes a response's head and its body with one ``write`` each, and uvloop sends each
at once: two syscalls (and two loopback TCP segments) for every response. Here the writes made
in one turn of the event loop are joined and sent at its end, as nginx sends head and body
together. Measured A/B in ``gateway_overhead`` and ``framework_ceiling`` (docs/benchmarks.md).
Selected with ``uvicorn --http streetlevel.common.server:JoinedHttpProtocol``: the images, the
native stack, the embedded ``streetlevel serve`` and the benchmarks do (``ServiceDescriptor.
http_protocol``); plain ``httptools`` works the same, a little slower.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class JoinedWrites:
    """A transport whose writes wait for the end of the loop's turn, then go out as one."""

    __slots__ = ("_loop", "_pending", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] | None = None

    def write(self, data: bytes) -> None:
        if self._pending is None:
            self._pending = [data]
            self._loop.call_soon(self.flush)
        else:
            self._pending.append(data)

    def flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending and not self._transport.is_closing():
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def close(self) -> None:
        self.flush()  # a response that closes the connection still goes out whole
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class JoinedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol on a ``JoinedWrites`` transport."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses; uvicorn duck-types them too.
        joined = JoinedWrites(cast(asyncio.Transport, transport), self.loop)
        super().connection_made(cast(asyncio.Transport, joined))
