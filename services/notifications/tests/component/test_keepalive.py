"""Keep-alive connections per checked address: reused, never across addresses, dropped safely."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from streetlevel.notifications.adapters.sender import IDLE_FOR_S, ConnectionPool, SafeSender


@dataclass
class KeepAliveReceiver:
    """An HTTP/1.1 receiver that keeps connections open unless told to close them."""

    close_after_each: bool = False
    connections: int = 0
    requests: int = 0
    writers: list[asyncio.StreamWriter] = field(default_factory=list)
    server: asyncio.Server | None = None

    async def start(self) -> KeepAliveReceiver:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        assert self.server is not None
        self.drop_idle()
        self.server.close()
        await self.server.wait_closed()

    def drop_idle(self) -> None:
        for writer in self.writers:
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                self.requests += 1
                close = b"Connection: close\r\n" if self.close_after_each else b""
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + close + b"\r\nok")
                await writer.drain()
                if self.close_after_each:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def test_attempts_to_one_endpoint_share_a_connection() -> None:
    receiver = await KeepAliveReceiver().start()
    sender = SafeSender(allow_loopback=True)
    try:
        for _ in range(3):
            outcome = await sender(f"http://127.0.0.1:{receiver.port}/h", {}, b"{}")
            assert outcome.status == 200
        assert receiver.requests == 3
        assert receiver.connections == 1
    finally:
        await sender.aclose()
        await receiver.stop()


async def test_a_receiver_asking_to_close_gets_a_fresh_connection_each_time() -> None:
    receiver = await KeepAliveReceiver(close_after_each=True).start()
    sender = SafeSender(allow_loopback=True)
    try:
        for _ in range(2):
            outcome = await sender(f"http://127.0.0.1:{receiver.port}/h", {}, b"{}")
            assert outcome.status == 200
        assert receiver.connections == 2
        assert sender.pool.size == 0
    finally:
        await sender.aclose()
        await receiver.stop()


async def test_a_connection_the_receiver_dropped_while_idle_is_replaced() -> None:
    receiver = await KeepAliveReceiver().start()
    sender = SafeSender(allow_loopback=True)
    url = f"http://127.0.0.1:{receiver.port}/h"
    try:
        assert (await sender(url, {}, b"{}")).status == 200
        receiver.drop_idle()
        outcome = await sender(url, {}, b"{}")
        assert outcome.status == 200
        assert outcome.error is None
        assert receiver.connections == 2
    finally:
        await sender.aclose()
        await receiver.stop()


async def test_a_pooled_connection_never_bypasses_the_address_check() -> None:
    receiver = await KeepAliveReceiver().start()
    answers = [["127.0.0.1"], ["10.0.0.7"], ["127.0.0.1"]]

    async def rebinding(host: str, port: int) -> list[str]:
        return answers.pop(0)

    sender = SafeSender(allow_loopback=True, resolver=rebinding)
    url = f"http://hooks.test:{receiver.port}/h"
    try:
        assert (await sender(url, {}, b"{}")).status == 200
        refused = await sender(url, {}, b"{}")  # the name now points inside: refused, not sent
        assert refused.status is None
        assert refused.error is not None
        assert refused.error.startswith("refused")
        assert receiver.requests == 1
        assert (await sender(url, {}, b"{}")).status == 200
        assert receiver.connections == 1  # the pool is keyed by the address that was checked
    finally:
        await sender.aclose()
        await receiver.stop()


async def test_an_idle_connection_expires() -> None:
    receiver = await KeepAliveReceiver().start()
    now = [0.0]
    sender = SafeSender(allow_loopback=True)
    sender.pool = ConnectionPool(clock=lambda: now[0])
    url = f"http://127.0.0.1:{receiver.port}/h"
    try:
        assert (await sender(url, {}, b"{}")).status == 200
        now[0] += IDLE_FOR_S + 1
        assert (await sender(url, {}, b"{}")).status == 200
        assert receiver.connections == 2
    finally:
        await sender.aclose()
        await receiver.stop()
