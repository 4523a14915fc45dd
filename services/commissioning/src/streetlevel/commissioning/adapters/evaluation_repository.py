"""Evaluation panels and published notices: rows to domain objects and back."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.clock import utc
from streetlevel.commissioning.domain.procurement.evaluation import (
    Criterion,
    Declaration,
    Evaluation,
    ModeratedScore,
    PanelMember,
    Score,
)

_SEP = "|"


def _t(value: datetime) -> str:
    return value.isoformat()


def _dt(value: str) -> datetime:
    parsed = utc(datetime.fromisoformat(value))
    assert parsed is not None
    return parsed


def _json_safe(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def to_doc(e: Evaluation) -> dict[str, Any]:
    """The whole evaluation as JSON (keys joined with '|'; ids never contain it)."""
    return {
        "lot_id": e.lot_id,
        "tender_deadline": _t(e.tender_deadline),
        "criteria": [[c.name, str(c.weight), str(c.max_score)] for c in e.criteria],
        "bidders": list(e.bidders),
        "members": [[m.id, m.name, m.role] for m in e.members.values()],
        "declarations": [
            [d.member_id, d.bidder_id, d.conflicted, d.details, _t(d.declared_at)]
            for d in e.declarations.values()
        ],
        "released_to": {k: _t(v) for k, v in e.released_to.items()},
        "scores": [
            [s.member_id, s.bidder_id, s.criterion, str(s.score), s.reason, _t(s.scored_at)]
            for s in e.scores.values()
        ],
        "moderation_started_at": _t(e.moderation_started_at) if e.moderation_started_at else None,
        "moderated": [
            [
                m.bidder_id,
                m.criterion,
                str(m.score),
                m.rationale,
                m.moderator_id,
                _t(m.moderated_at),
            ]
            for m in e.moderated.values()
        ],
        "awarded_to": e.awarded_to,
        "award_reason": e.award_reason,
        "history": _json_safe(e.history),
    }


def of_doc(doc: dict[str, Any]) -> Evaluation:
    e = Evaluation(
        lot_id=doc["lot_id"],
        tender_deadline=_dt(doc["tender_deadline"]),
        criteria=tuple(Criterion(n, Decimal(w), Decimal(m)) for n, w, m in doc["criteria"]),
        bidders=tuple(doc["bidders"]),
    )
    e.members = {i: PanelMember(i, n, r) for i, n, r in doc["members"]}
    e.declarations = {
        (m, b): Declaration(m, b, c, d, _dt(at)) for m, b, c, d, at in doc["declarations"]
    }
    e.released_to = {k: _dt(v) for k, v in doc["released_to"].items()}
    e.scores = {
        (m, b, c): Score(m, b, c, Decimal(s), r, _dt(at)) for m, b, c, s, r, at in doc["scores"]
    }
    started = doc["moderation_started_at"]
    e.moderation_started_at = _dt(started) if started else None
    e.moderated = {
        (b, c): ModeratedScore(b, c, Decimal(s), r, m, _dt(at))
        for b, c, s, r, m, at in doc["moderated"]
    }
    e.awarded_to = doc["awarded_to"]
    e.award_reason = doc["award_reason"]
    e.history = list(doc["history"])
    return e


class Evaluations:
    """One evaluation per (commission, lot); callers hold the commission's row lock."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, commission_id: str, lot_id: str) -> Evaluation | None:
        t = orm.evaluations
        row = (
            (
                await self.session.execute(
                    select(t.c.state).where(
                        t.c.commission_id == commission_id, t.c.lot_id == lot_id
                    )
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else of_doc(row["state"])

    async def put(self, commission_id: str, e: Evaluation, *, now: datetime, new: bool) -> None:
        t = orm.evaluations
        values = {"state": to_doc(e), "updated_at": now}
        if new:
            await self.session.execute(
                insert(t).values(commission_id=commission_id, lot_id=e.lot_id, version=1, **values)
            )
        else:
            await self.session.execute(
                update(t)
                .where(t.c.commission_id == commission_id, t.c.lot_id == e.lot_id)
                .values(version=t.c.version + 1, **values)
            )


class Notices:
    """The notices a commission published, in order."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_commission(self, commission_id: str) -> list[dict[str, Any]]:
        t = orm.notices
        rows = (
            (
                await self.session.execute(
                    select(t)
                    .where(t.c.commission_id == commission_id)
                    .order_by(t.c.published_at, t.c.id)
                )
            )
            .mappings()
            .all()
        )
        return [
            {
                "id": r["id"],
                "lot_id": r["lot_id"],
                "contract_id": r["contract_id"],
                "code": r["notice_type"],
                "published_at": utc(r["published_at"]),
                "fields": dict(r["fields"]),
            }
            for r in rows
        ]

    async def add(self, commission_id: str, notice: dict[str, Any]) -> None:
        await self.session.execute(
            insert(orm.notices).values(
                id=notice["id"],
                commission_id=commission_id,
                lot_id=notice.get("lot_id"),
                contract_id=notice.get("contract_id"),
                notice_type=notice["code"],
                published_at=notice["published_at"],
                fields=notice["fields"],
            )
        )
