"""The notice submission queue's table: save, load, page (SQLAlchemy Core)."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.domain.notice_submission import NoticeSubmission

_COLUMNS = tuple(f.name for f in fields(NoticeSubmission))


def _of(row: Any) -> NoticeSubmission:
    return NoticeSubmission(**{name: row[name] for name in _COLUMNS})


class NoticeSubmissionRepository:
    """The queue of one session (the caller's unit of work commits)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, submission: NoticeSubmission) -> bool:
        """Queues a notice once; False when it is already there (a redelivered event)."""
        if await self.get(submission.notice_id) is not None:
            return False
        await self.session.execute(insert(orm.notice_submissions).values(**asdict(submission)))
        return True

    async def get(self, notice_id: str, *, lock: bool = False) -> NoticeSubmission | None:
        t = orm.notice_submissions
        query = select(t).where(t.c.notice_id == notice_id)
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return None if row is None else _of(row)

    async def save(self, submission: NoticeSubmission) -> None:
        t = orm.notice_submissions
        values = {k: v for k, v in asdict(submission).items() if k != "notice_id"}
        await self.session.execute(
            update(t).where(t.c.notice_id == submission.notice_id).values(**values)
        )

    async def page(
        self, *, filters: dict[str, str | None], after: int | None, limit: int
    ) -> tuple[list[NoticeSubmission], int | None]:
        """Oldest first, keyset-paged by queue order; ``filters`` are exact column matches."""
        t = orm.notice_submissions
        query = select(t)
        for column, value in filters.items():
            if value:
                query = query.where(t.c[column] == value)
        if after is not None:
            query = query.where(t.c.seq > after)
        query = query.order_by(t.c.seq).limit(limit + 1)
        rows = list((await self.session.execute(query)).mappings())
        nxt = rows[limit - 1]["seq"] if len(rows) > limit else None
        return [_of(r) for r in rows[:limit]], nxt

    async def releases(self, release_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The OCDS releases of a page of notices, by release id (one query)."""
        if not release_ids:
            return {}
        t = orm.releases
        query = select(t.c.release_id, t.c.document).where(t.c.release_id.in_(release_ids))
        return {rid: dict(doc) for rid, doc in await self.session.execute(query)}

    async def release(self, release_id: str) -> dict[str, Any] | None:
        t = orm.releases
        query = select(t.c.document).where(t.c.release_id == release_id)
        row = (await self.session.execute(query)).first()
        return None if row is None else dict(row[0])
