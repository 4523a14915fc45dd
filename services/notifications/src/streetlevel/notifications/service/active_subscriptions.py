"""Fan-out's cache of what it matches on, checked against the subscriptions' generation."""

from __future__ import annotations

from dataclasses import dataclass, field

from streetlevel.notifications.adapters.subscription_repository import SubscriptionRepository
from streetlevel.notifications.domain.subscriptions import Filters


@dataclass
class ActiveSubscriptions:
    """The active subscriptions' id, owner and filters, kept while their generation holds."""

    generation: int | None = None
    rows: list[tuple[str, str, Filters]] = field(default_factory=list)

    async def current(self, repo: SubscriptionRepository) -> list[tuple[str, str, Filters]]:
        # The generation is read first: rows read after it are at least that new, so a cache is
        # never labelled newer than what it holds (at worst older, and then re-read).
        generation = await repo.generation()
        if generation != self.generation:
            self.rows = await repo.active_filters()
            self.generation = generation
        return self.rows
