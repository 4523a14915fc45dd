"""Publish the theme vocabulary on ``registry.theme.v1`` when it changed (start-up)."""

from __future__ import annotations

from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

from streetlevel.common.events import DomainEvent, PendingEvent
from streetlevel.common.uow import UnitOfWork
from streetlevel.registry.adapters.orm import published_themes
from streetlevel.registry.domain.events import ThemeDefined, ThemeRetired
from streetlevel.registry.domain.themes import THEMES, Theme

#: Serialises replicas starting together on PostgreSQL (an arbitrary fixed lock key).
LOCK_KEY = 0x7E3E5


async def publish_themes(*, uow: UnitOfWork, themes: tuple[Theme, ...] = THEMES) -> int:
    """Record a ``defined`` event per new or changed code and ``retired`` per dropped one.

    Idempotent: a second run with the same list records nothing. Returns the events recorded.
    """
    t = published_themes.c
    try:
        async with uow:
            session = uow.session
            if session.get_bind().dialect.name == "postgresql":
                await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
            rows = {r.code: r for r in await session.execute(select(published_themes))}
            now = uow.clock.now()
            events: list[PendingEvent] = []

            def emit(code: str, payload: DomainEvent, version: int) -> None:
                events.append(PendingEvent(payload, f"theme/{code}", code, version))

            for theme in themes:
                row = rows.get(theme.code)
                if (
                    row is not None
                    and not row.retired
                    and (row.name, row.description)
                    == (
                        theme.name,
                        theme.description,
                    )
                ):
                    continue
                version = 1 if row is None else row.version + 1
                values = {
                    "name": theme.name,
                    "description": theme.description,
                    "retired": False,
                    "version": version,
                    "published_at": now,
                }
                if row is None:
                    await session.execute(
                        insert(published_themes).values(code=theme.code, **values)
                    )
                else:
                    await session.execute(
                        update(published_themes).where(t.code == theme.code).values(**values)
                    )
                emit(theme.code, ThemeDefined(**vars_of(theme)), version)
            current = {theme.code for theme in themes}
            for code, row in rows.items():
                if code in current or row.retired:
                    continue
                await session.execute(
                    update(published_themes)
                    .where(t.code == code)
                    .values(retired=True, version=row.version + 1, published_at=now)
                )
                emit(code, ThemeRetired(code=code), row.version + 1)
            if not events:
                return 0
            uow.emit(*events)
            await uow.commit()
            return len(events)
    except IntegrityError:
        # Another replica (SQLite has no advisory lock) published the same list first.
        return 0


def vars_of(theme: Theme) -> dict[str, str]:
    return {"code": theme.code, "name": theme.name, "description": theme.description}
