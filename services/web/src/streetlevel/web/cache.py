"""A small shared cache of gateway answers: bounded (least recently used out), each with a TTL."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Entry:
    """A gateway answer as it was received, with its validator and when it was fetched."""

    body: Any
    etag: str | None
    fetched_at: float


class AnswerCache:
    """Least-recently-used map of URL → entry; an entry older than ``ttl_s`` needs revalidating."""

    def __init__(self, *, max_entries: int, ttl_s: float, clock: Callable[[], float]) -> None:
        self.max_entries = max_entries
        self.ttl_s = ttl_s
        self.clock = clock
        self._entries: OrderedDict[str, Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> Entry | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def fresh(self, entry: Entry) -> bool:
        return self.clock() - entry.fetched_at < self.ttl_s

    def put(self, key: str, body: Any, etag: str | None) -> Entry:
        entry = Entry(body, etag, self.clock())
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return entry

    def touch(self, key: str, entry: Entry) -> Entry:
        """A 304 confirmed the entry: it is fresh again."""
        return self.put(key, entry.body, entry.etag)
