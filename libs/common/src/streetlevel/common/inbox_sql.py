"""The inbox's bookkeeping on PostgreSQL: one statement per step, the batch passed as arrays.

A batch of N events costs three statements whatever N is, and no per-row parameter handling
in SQLAlchemy: an expanding ``IN`` list and an executemany of N rows were most of the
consumer's CPU (issue 24). SQLite keeps the portable statements in ``inbox.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Table, TextClause, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession


def _name(table: Table) -> str:
    # Only identifiers from the table definition go into the text; values are parameters.
    return str(postgresql.dialect().identifier_preparer.format_table(table))  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class PostgresInbox:
    """Set-based statements over a consumer's ``inbox`` and ``inbox_sequences`` tables."""

    known_sql: TextClause
    remember_sql: TextClause
    advance_sql: TextClause

    @classmethod
    def of(cls, inbox: Table, sequences: Table) -> PostgresInbox:
        boxed, seqs = _name(inbox), _name(sequences)
        known = (
            f"SELECT event_id AS key, NULL::bigint AS sequence FROM {boxed} "  # noqa: S608
            "WHERE consumer = :consumer AND event_id = ANY(CAST(:event_ids AS text[])) "
            f"UNION ALL SELECT subject, sequence FROM {seqs} "
            "WHERE consumer = :consumer AND subject = ANY(CAST(:subjects AS text[]))"
        )
        remember = (
            f"INSERT INTO {boxed} (consumer, event_id, received_at) "  # noqa: S608
            "SELECT :consumer, e, :now FROM unnest(CAST(:event_ids AS text[])) AS u(e)"
        )
        advance = (
            f"INSERT INTO {seqs} (consumer, subject, sequence) "  # noqa: S608
            "SELECT :consumer, s, q FROM "
            "unnest(CAST(:subjects AS text[]), CAST(:sequences AS bigint[])) AS u(s, q) "
            "ON CONFLICT (consumer, subject) DO UPDATE SET sequence = excluded.sequence"
        )
        return cls(text(known), text(remember), text(advance))

    async def known(
        self, session: AsyncSession, consumer: str, event_ids: list[str], subjects: list[str]
    ) -> list[tuple[str, int | None]]:
        """Inbox rows of ``event_ids`` (sequence None) and stored sequences of ``subjects``."""
        params = {"consumer": consumer, "event_ids": event_ids, "subjects": subjects}
        return [(row[0], row[1]) for row in await session.execute(self.known_sql, params)]

    async def remember(
        self, session: AsyncSession, consumer: str, event_ids: list[str], now: datetime
    ) -> None:
        params = {"consumer": consumer, "event_ids": event_ids, "now": now.astimezone(UTC)}
        await session.execute(self.remember_sql, params)

    async def advance(
        self, session: AsyncSession, consumer: str, sequences: dict[str, int]
    ) -> None:
        params = {
            "consumer": consumer,
            "subjects": list(sequences),
            "sequences": list(sequences.values()),
        }
        await session.execute(self.advance_sql, params)
