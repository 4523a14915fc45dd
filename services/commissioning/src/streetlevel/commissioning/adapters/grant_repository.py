"""The grant repository: programmes, applications, decisions, grants and their instalments."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.clock import utc
from streetlevel.commissioning.adapters.payable_repository import PayableRepository
from streetlevel.commissioning.domain.grants import (
    Decision,
    Grant,
    GrantApplication,
    GrantProgramme,
    Instalment,
)
from streetlevel.commissioning.domain.payables import Payable


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


class GrantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # Programmes
    async def programme(self, programme_id: str, *, lock: bool = False) -> GrantProgramme | None:
        t = orm.grant_programmes
        query = select(t).where(t.c.id == programme_id)
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return None if row is None else self._programme(row)

    async def programmes(
        self, *, council: str | None, area: str | None, after: str | None, limit: int
    ) -> list[GrantProgramme]:
        t = orm.grant_programmes
        query = select(t).order_by(t.c.id)
        if council:
            query = query.where(t.c.council_id == council)
        if after:
            query = query.where(t.c.id > after)
        rows = (await self.session.execute(query)).mappings().all()
        # Areas are a JSON list: filtered here, before the page is cut (councils run few).
        found = [self._programme(r) for r in rows]
        return [p for p in found if area is None or area in p.areas][:limit]

    @staticmethod
    def _programme(row: Any) -> GrantProgramme:
        return GrantProgramme(
            id=row["id"],
            council_id=row["council_id"],
            council_name=row["council_name"],
            title=row["title"],
            description=row["description"],
            areas=list(row["areas"]),
            criteria=list(row["criteria"]),
            budget=row["budget"],
            max_grant=row["max_grant"],
            committed=row["committed"],
            closes_on=_day(row["closes_on"]),
            payment_terms_days=row["payment_terms_days"],
            status=row["status"],
            opened_at=utc(row["opened_at"]),
            updated_at=utc(row["updated_at"]),
            version=row["version"],
        )

    async def add_programme(self, p: GrantProgramme) -> None:
        await self.session.execute(
            insert(orm.grant_programmes).values(id=p.id, **self._programme_values(p))
        )

    async def save_programme(self, p: GrantProgramme) -> None:
        t = orm.grant_programmes
        await self.session.execute(
            update(t).where(t.c.id == p.id).values(**self._programme_values(p))
        )

    @staticmethod
    def _programme_values(p: GrantProgramme) -> dict[str, Any]:
        return {
            "council_id": p.council_id,
            "council_name": p.council_name,
            "title": p.title,
            "description": p.description,
            "areas": p.areas,
            "criteria": p.criteria,
            "budget": p.budget,
            "max_grant": p.max_grant,
            "committed": p.committed,
            "closes_on": p.closes_on.isoformat() if p.closes_on else None,
            "payment_terms_days": p.payment_terms_days,
            "status": p.status,
            "opened_at": p.opened_at,
            "updated_at": p.updated_at,
            "version": p.version,
        }

    # Applications
    async def application(self, application_id: str) -> GrantApplication | None:
        t = orm.grant_applications
        row = (
            (await self.session.execute(select(t).where(t.c.id == application_id)))
            .mappings()
            .first()
        )
        return None if row is None else self._application(row)

    async def applications(
        self,
        *,
        programme_id: str | None = None,
        enterprise_id: str | None = None,
        council_id: str | None = None,
        ids: list[str] | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> list[GrantApplication]:
        t, p = orm.grant_applications, orm.grant_programmes
        query = select(t).order_by(t.c.id)
        if after:
            query = query.where(t.c.id > after)
        if limit:
            query = query.limit(limit)
        if programme_id:
            query = query.where(t.c.programme_id == programme_id)
        if enterprise_id:
            query = query.where(t.c.enterprise_id == enterprise_id)
        if council_id:
            query = query.where(
                t.c.programme_id.in_(select(p.c.id).where(p.c.council_id == council_id))
            )
        if ids is not None:
            query = query.where(t.c.id.in_(ids))
        rows = (await self.session.execute(query)).mappings().all()
        return [self._application(r) for r in rows]

    @staticmethod
    def _application(row: Any) -> GrantApplication:
        return GrantApplication(
            id=row["id"],
            programme_id=row["programme_id"],
            enterprise_id=row["enterprise_id"],
            enterprise_name=row["enterprise_name"],
            amount_requested=row["amount_requested"],
            purpose=row["purpose"],
            people_reached=row["people_reached"],
            contact=row["contact"],
            status=row["status"],
            submitted_at=row["submitted_at"],
            decided_at=utc(row["decided_at"]),
        )

    async def add_application(self, a: GrantApplication) -> None:
        await self.session.execute(
            insert(orm.grant_applications).values(
                id=a.id,
                programme_id=a.programme_id,
                enterprise_id=a.enterprise_id,
                enterprise_name=a.enterprise_name,
                amount_requested=a.amount_requested,
                purpose=a.purpose,
                people_reached=a.people_reached,
                contact=a.contact,
                status=a.status,
                submitted_at=a.submitted_at,
                decided_at=a.decided_at,
            )
        )

    async def save_application(self, a: GrantApplication) -> None:
        t = orm.grant_applications
        await self.session.execute(
            update(t).where(t.c.id == a.id).values(status=a.status, decided_at=a.decided_at)
        )

    # Decisions
    async def add_decision(self, d: Decision) -> None:
        await self.session.execute(
            insert(orm.grant_decisions).values(
                id=d.id,
                programme_id=d.programme_id,
                method=d.method,
                document=d.public_view(),
                decided_at=d.decided_at,
            )
        )

    async def decisions(self, programme_id: str) -> list[dict[str, Any]]:
        t = orm.grant_decisions
        query = select(t.c.document).where(t.c.programme_id == programme_id).order_by(t.c.seq)
        return [dict(doc) for doc in (await self.session.execute(query)).scalars()]

    # Grants and their payment schedule
    async def grant(self, grant_id: str, *, lock: bool = False) -> Grant | None:
        t = orm.grants
        query = select(t).where(t.c.id == grant_id)
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        if row is None:
            return None
        return (await self._grants([row]))[0]

    async def grants(
        self,
        *,
        programme_id: str | None = None,
        council: str | None = None,
        recipient: str | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> list[Grant]:
        t = orm.grants
        query = select(t).order_by(t.c.id)
        if programme_id:
            query = query.where(t.c.programme_id == programme_id)
        if council:
            query = query.where(t.c.council_id == council)
        if recipient:
            query = query.where(t.c.recipient_id == recipient)
        if after:
            query = query.where(t.c.id > after)
        if limit:
            query = query.limit(limit)
        rows = (await self.session.execute(query)).mappings().all()
        return await self._grants(rows)

    async def _grants(self, rows: Any) -> list[Grant]:
        if not rows:
            return []
        t = orm.grant_payments
        ids = [r["id"] for r in rows]
        query = select(t).where(t.c.grant_id.in_(ids)).order_by(t.c.grant_id, t.c.no)
        schedule: dict[str, list[Instalment]] = {}
        for p in (await self.session.execute(query)).mappings():
            schedule.setdefault(p["grant_id"], []).append(
                Instalment(
                    no=p["no"],
                    due_on=date.fromisoformat(p["due_on"]),
                    amount=p["amount"],
                    paid_on=_day(p["paid_on"]),
                    reference=p["reference"],
                )
            )
        payables: dict[str, list[Payable]] = {}
        for payable in await PayableRepository(self.session).for_grants(ids):
            payables.setdefault(payable.grant_id or "", []).append(payable)
        return [
            Grant(
                id=r["id"],
                programme_id=r["programme_id"],
                decision_id=r["decision_id"],
                application_id=r["application_id"],
                council_id=r["council_id"],
                council_name=r["council_name"],
                recipient_id=r["recipient_id"],
                recipient_name=r["recipient_name"],
                title=r["title"],
                purpose=r["purpose"],
                areas=list(r["areas"]),
                amount=r["amount"],
                people_planned=r["people_planned"],
                awarded_on=date.fromisoformat(r["awarded_on"]),
                payment_terms_days=r["payment_terms_days"],
                instalments=schedule.get(r["id"], []),
                payables=payables.get(r["id"], []),
                report=r["report"],
                created_at=utc(r["created_at"]),
                updated_at=utc(r["updated_at"]),
                version=r["version"],
            )
            for r in rows
        ]

    async def add_grant(self, g: Grant) -> None:
        assert g.awarded_on is not None
        await self.session.execute(
            insert(orm.grants).values(
                id=g.id,
                programme_id=g.programme_id,
                decision_id=g.decision_id,
                application_id=g.application_id,
                council_id=g.council_id,
                council_name=g.council_name,
                recipient_id=g.recipient_id,
                recipient_name=g.recipient_name,
                title=g.title,
                purpose=g.purpose,
                areas=g.areas,
                amount=g.amount,
                people_planned=g.people_planned,
                awarded_on=g.awarded_on.isoformat(),
                payment_terms_days=g.payment_terms_days,
                report=g.report,
                created_at=g.created_at,
                updated_at=g.updated_at,
                version=g.version,
            )
        )
        await self.session.execute(
            insert(orm.grant_payments),
            [
                {
                    "grant_id": g.id,
                    "no": i.no,
                    "due_on": i.due_on.isoformat(),
                    "amount": i.amount,
                    "paid_on": None,
                    "reference": None,
                }
                for i in g.instalments
            ],
        )

    async def save_grant(self, g: Grant) -> None:
        t, p = orm.grants, orm.grant_payments
        await self.session.execute(
            update(t)
            .where(t.c.id == g.id)
            .values(report=g.report, updated_at=g.updated_at, version=g.version)
        )
        for i in g.instalments:
            await self.session.execute(
                update(p)
                .where(p.c.grant_id == g.id, p.c.no == i.no)
                .values(paid_on=i.paid_on.isoformat() if i.paid_on else None, reference=i.reference)
            )
