"""The in-process bus of the embedded mode; the outbox stays the durable log.

``publish`` returns only after every subscriber committed its effect, so the relay marks a
row published only then: a crash loses nothing and a restart redelivers (the inbox dedups).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from streetlevel.common.consumer import Delivery, EventProcessor
from streetlevel.common.outbox import OutboxMessage


class MemoryBus:
    """Fans outbox messages out to in-process consumers, synchronously, in batches, in order."""

    def __init__(self) -> None:
        self._subscribers: list[tuple[frozenset[str], EventProcessor]] = []
        self.delivered = 0

    def subscribe(self, topics: Iterable[str], processor: EventProcessor) -> None:
        # The relay retries the batch itself; a processor must not pause inside publish.
        processor.pause_on_infra = False
        self._subscribers.append((frozenset(topics), processor))

    async def publish(self, messages: Sequence[OutboxMessage]) -> None:
        """Hand each subscriber its topics' messages as one batch, in outbox order."""
        for topics, processor in self._subscribers:
            batch = [
                Delivery(topic=m.topic, key=m.key, value=m.value)
                for m in messages
                if m.topic in topics
            ]
            if batch:
                await processor.process(batch)
                self.delivered += len(batch)
