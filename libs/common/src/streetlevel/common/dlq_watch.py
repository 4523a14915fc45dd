"""Kafka mode: each consumer group's dead letters not yet replayed, as a gauge, every minute."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from streetlevel.common.bus.kafka import dead_letters_waiting
from streetlevel.common.metrics import DLQ_DEPTH
from streetlevel.common.timeouts import end_loop, nap, within

log = logging.getLogger(__name__)

#: How often the dead-letter depth of each group is counted on the broker.
DLQ_CHECK_S = 60.0
#: The longest one group's count may take before that round gives up on it.
CHECK_TIMEOUT_S = 30.0


class DeadLetterWatch:
    """Counts ``groups``' dead letters (``{group: [topic, ...]}``) into ``DLQ_DEPTH``."""

    def __init__(
        self,
        service: str,
        groups: dict[str, list[str]],
        *,
        bootstrap: str,
        client_options: dict[str, Any],
        interval_s: float = DLQ_CHECK_S,
    ) -> None:
        self.service = service
        self.groups = groups
        self.bootstrap = bootstrap
        self.client_options = client_options
        self.interval_s = interval_s
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name=f"dlq-depth-{self.service}")

    async def stop(self) -> None:
        """End the watcher, even if a check in flight swallows the cancel.

        The event ends its loop at the next turn whatever happens to the cancel (aiokafka's
        clients, started and closed inside each check, can lose one; a lost cancel once sent
        the loop into its minute-long sleep and on, and the service's stop hung); the cancel
        cuts a check short.
        """
        await end_loop(self._task, self._stopping)
        self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            for group, topics in self.groups.items():
                try:
                    waiting = await within(
                        CHECK_TIMEOUT_S,
                        dead_letters_waiting(
                            self.bootstrap, group, topics, client_options=self.client_options
                        ),
                    )
                except Exception as exc:  # a gauge left as it was; the next round retries
                    log.warning("dead-letter count for %s failed: %s", group, exc)
                    continue
                DLQ_DEPTH.labels(self.service, group).set(waiting)
            await nap(self.interval_s, self._stopping)
