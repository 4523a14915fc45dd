"""What every benchmark gets: the stack, the run's size, tokens and a seeded main register."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from harness import BenchStack
from seed import sample_ids, seed

#: Rows in the stack's own registry (the one behind the gateway and on the event path).
MAIN_ROWS = 20_000


@dataclass
class Ctx:
    """The run: stack, repetition counts and cached fixtures shared by the benchmarks."""

    stack: BenchStack
    quick: bool
    facts: dict[str, Any]
    tokens: dict[str, str] = field(default_factory=dict)
    main_seed: dict[str, float] | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def reps(self) -> int:
        return 3 if self.quick else 5

    @property
    def wrk_s(self) -> float:
        return 5 if self.quick else 10

    @property
    def warmup_s(self) -> float:
        return 2 if self.quick else 5

    def token(self, kind: str) -> str:
        """One client per kind for the whole run, with a quota no benchmark reaches."""
        if kind not in self.tokens:
            self.tokens[kind] = self.stack.token(kind)
        return self.tokens[kind]

    def main_register(self) -> str:
        """The stack registry's database URL, seeded with MAIN_ROWS enterprises once."""
        url = self.stack.db_urls["registry"]
        if self.main_seed is None:
            self.main_seed = asyncio.run(seed(url, MAIN_ROWS))
        return url

    def public_ids(self, count: int) -> list[str]:
        return asyncio.run(sample_ids(self.main_register(), count))
