"""A read model of the registry's theme vocabulary, learned from ``registry.theme.v1``.

The registry owns the list; this module holds only the mechanism every other service uses to
keep its copy (snapshot semantics: one row per code, the inbox drops stale sequences) and to
refuse unknown codes with one problem shape. The codes themselves never live here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Column, MetaData, String, Table, Text, select
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.db import UtcDateTime, upsert
from streetlevel.common.errors import UpstreamUnavailable, ValidationProblem
from streetlevel.common.events import Envelope

THEME_TOPIC = "registry.theme.v1"
DEFINED = "registry.theme.defined.v1"
RETIRED = "registry.theme.retired.v1"
#: Seconds a client waits before retrying a write that needs a vocabulary not learned yet.
RETRY_AFTER_S = 5


class UnknownThemes(ValidationProblem):
    """422: codes outside the registry's list; lists the valid codes so a client can fix it."""

    def __init__(self, unknown: Sequence[str], valid: Iterable[str], loc: list[str | int]):
        codes = sorted(valid)
        super().__init__(
            f"Unknown theme {', '.join(unknown)}: use a code from /v1/themes.",
            [
                {
                    "loc": [*loc],
                    "msg": f"unknown theme {code!r}; valid codes: {', '.join(codes)}",
                    "type": "unknown_theme",
                }
                for code in unknown
            ],
        )
        self.extensions["valid_themes"] = codes


class ThemesNotLearned(UpstreamUnavailable):
    """503: this service has not yet received the registry's theme list (start-up)."""

    def __init__(self) -> None:
        super().__init__(
            "The theme list has not reached this service from the registry yet; retry shortly.",
            retry_after=RETRY_AFTER_S,
        )


def theme_table(metadata: MetaData) -> Table:
    """The ``theme_read_model`` table (one row per code the registry ever published)."""
    return Table(
        "theme_read_model",
        metadata,
        Column("code", String(60), primary_key=True),
        Column("name", String(200), nullable=False),
        Column("description", Text, nullable=True),
        Column("retired", Boolean, nullable=False),
        Column("updated_at", UtcDateTime, nullable=False),
    )


def theme_rows(envelopes: Iterable[Envelope], now: datetime) -> list[dict[str, Any]]:
    """Read-model rows of the theme events among ``envelopes`` (other types are ignored)."""
    rows = []
    for envelope in envelopes:
        kind = envelope.short_type
        if kind not in (DEFINED, RETIRED):
            continue
        data = envelope.data
        rows.append(
            {
                "code": str(data.get("code") or envelope.aggregate_id),
                "name": str(data.get("name") or data.get("code") or envelope.aggregate_id),
                "description": data.get("description"),
                "retired": kind == RETIRED,
                "updated_at": now,
            }
        )
    return rows


async def apply_theme_events(
    session: AsyncSession, table: Table, envelopes: Iterable[Envelope], now: datetime
) -> int:
    """Upsert the themes these events describe (inside the inbox transaction)."""
    rows = list({r["code"]: r for r in theme_rows(envelopes, now)}.values())
    if rows:
        bind = session.bind
        dialect = bind.dialect.name if bind is not None else "sqlite"
        columns = ("name", "description", "retired", "updated_at")
        await session.execute(upsert(table, dialect, ("code",), columns), rows)
    return len(rows)


async def known_themes(session: AsyncSession, table: Table) -> frozenset[str]:
    """The codes in use now (retired ones excluded); empty until the list has arrived."""
    result = await session.execute(select(table.c.code).where(table.c.retired.is_(False)))
    return frozenset(result.scalars())


async def learned(session: AsyncSession, table: Table) -> bool:
    """Whether any theme event has reached this service."""
    return (await session.execute(select(table.c.code).limit(1))).first() is not None


async def check_themes(
    session: AsyncSession, table: Table, codes: Iterable[str], loc: list[str | int]
) -> None:
    """Refuse codes outside the learned list (422), or any code before it is learned (503)."""
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return
    if not await learned(session, table):
        raise ThemesNotLearned()
    valid = await known_themes(session, table)
    unknown = [c for c in wanted if c not in valid]
    if unknown:
        raise UnknownThemes(unknown, valid, loc)
