"""Repositories: load and save aggregates and read models; they flush, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.payloads import EnterpriseRecord
from streetlevel.commissioning.domain.bid import Bid
from streetlevel.commissioning.domain.commission import Commission
from streetlevel.commissioning.domain.contract import Contract, PaymentLine
from streetlevel.commissioning.domain.eligibility import Applicant
from streetlevel.commissioning.domain.public_ledger import PublicPayments
from streetlevel.commissioning.domain.values import CommissionSpec, OutcomeTarget, RateCardItem
from streetlevel.common.clock import Clock, clock_offset
from streetlevel.common.db import database_now, upsert


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def db_now(session: AsyncSession, clock: Clock) -> datetime:
    """The database clock on PostgreSQL (shifted like ``clock``); the injected clock on SQLite."""
    return await database_now(session, clock)


async def deadline_passed(session: AsyncSession, deadline: datetime, clock: Clock) -> bool:
    """Compared in SQL against the database clock on PostgreSQL; the injected clock on SQLite."""
    if is_postgres(session):
        result = await session.execute(
            text("SELECT statement_timestamp() + :shift >= :deadline"),
            {"deadline": deadline, "shift": clock_offset(clock)},
        )
        return bool(result.scalar_one())
    return clock.now() >= deadline


class Commissions:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, commission_id: str, *, lock: bool = False) -> Commission | None:
        query = select(orm.commissions).where(orm.commissions.c.id == commission_id)
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return None if row is None else self.of(row)

    @staticmethod
    def of(row: Any) -> Commission:
        return Commission(
            id=row["id"],
            ocid=row["ocid"],
            buyer_id=row["buyer_id"],
            buyer_name=row["buyer_name"],
            buyer_area=row["buyer_area"],
            spec=CommissionSpec.model_validate(row["spec"]),
            status=row["status"],
            lot_states=dict(row["lot_states"]),
            amendments=list(row["amendments"]),
            cancel_reason=row["cancel_reason"],
            created_at=utc(row["created_at"]),
            updated_at=utc(row["updated_at"]),
            published_at=utc(row["published_at"]),
            version=row["version"],
        )

    async def add(self, c: Commission) -> None:
        await self.session.execute(insert(orm.commissions).values(id=c.id, **self._values(c)))

    async def save(self, c: Commission) -> None:
        await self.session.execute(
            update(orm.commissions).where(orm.commissions.c.id == c.id).values(**self._values(c))
        )

    @staticmethod
    def _values(c: Commission) -> dict[str, Any]:
        spec = c.s
        return {
            "ocid": c.ocid,
            "buyer_id": c.buyer_id,
            "buyer_name": c.buyer_name,
            "buyer_area": c.buyer_area,
            "status": c.status,
            "spec": spec.model_dump(mode="json"),
            "lot_states": c.lot_states,
            "amendments": c.amendments,
            "tender_end": spec.timeline.tender_end,
            "cancel_reason": c.cancel_reason,
            "created_at": c.created_at,
            "updated_at": c.updated_at,
            "published_at": c.published_at,
            "version": c.version,
        }

    async def claim_due(self, now: datetime, limit: int = 20) -> list[str]:
        """Open commissions past their deadline, locked for this replica (SKIP LOCKED)."""
        query = (
            select(orm.commissions.c.id)
            .where(orm.commissions.c.status == "open")
            .where(orm.commissions.c.tender_end <= now)
            .order_by(orm.commissions.c.tender_end)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(query)).scalars())


class Bids:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def of(row: Any) -> Bid:
        def dec(v: str | None) -> Decimal | None:
            return None if v is None else Decimal(v)

        return Bid(
            id=row["id"],
            commission_id=row["commission_id"],
            lot_id=row["lot_id"],
            enterprise_id=row["enterprise_id"],
            price=row["price"],
            proposal=row["proposal"],
            commitments=list(row["commitments"]),
            submitted_at=utc(row["submitted_at"]) or datetime.now(UTC),
            updated_at=utc(row["updated_at"]) or datetime.now(UTC),
            status=row["status"],
            quality_score=dec(row["quality_score"]),
            social_value_score=dec(row["social_value_score"]),
            score_note=row["score_note"],
            disqualified_reason=row["disqualified_reason"],
            version=row["version"],
        )

    async def get(self, bid_id: str) -> Bid | None:
        row = (
            (await self.session.execute(select(orm.bids).where(orm.bids.c.id == bid_id)))
            .mappings()
            .first()
        )
        return None if row is None else self.of(row)

    async def for_commission(self, commission_id: str, lot_id: str | None = None) -> list[Bid]:
        query = select(orm.bids).where(orm.bids.c.commission_id == commission_id)
        if lot_id is not None:
            query = query.where(orm.bids.c.lot_id == lot_id)
        rows = (await self.session.execute(query.order_by(orm.bids.c.submitted_at))).mappings()
        return [self.of(r) for r in rows]

    async def live_for(self, commission_id: str, lot_id: str, enterprise_id: str) -> Bid | None:
        return next(
            (
                b
                for b in await self.for_commission(commission_id, lot_id)
                if b.enterprise_id == enterprise_id and b.is_live
            ),
            None,
        )

    async def add(self, bid: Bid) -> None:
        await self.session.execute(insert(orm.bids).values(id=bid.id, **self._values(bid)))

    async def save(self, bid: Bid) -> None:
        await self.session.execute(
            update(orm.bids).where(orm.bids.c.id == bid.id).values(**self._values(bid))
        )

    @staticmethod
    def _values(b: Bid) -> dict[str, Any]:
        return {
            "commission_id": b.commission_id,
            "lot_id": b.lot_id,
            "enterprise_id": b.enterprise_id,
            "status": b.status,
            "price": b.price,
            "proposal": b.proposal,
            "commitments": b.commitments,
            "quality_score": None if b.quality_score is None else str(b.quality_score),
            "social_value_score": (
                None if b.social_value_score is None else str(b.social_value_score)
            ),
            "score_note": b.score_note,
            "disqualified_reason": b.disqualified_reason,
            "submitted_at": b.submitted_at,
            "updated_at": b.updated_at,
            "version": b.version,
        }


class Contracts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, contract_id: str, *, lock: bool = False) -> Contract | None:
        query = select(orm.contracts).where(orm.contracts.c.id == contract_id)
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return None if row is None else self.of(row)

    @staticmethod
    def of(row: Any) -> Contract:
        doc = row["document"]
        return Contract(
            id=row["id"],
            commission_id=row["commission_id"],
            ocid=row["ocid"],
            lot_id=row["lot_id"],
            lot_title=doc["lot_title"],
            lot_areas=list(doc["lot_areas"]),
            lot_outcomes=[OutcomeTarget.model_validate(o) for o in doc["lot_outcomes"]],
            bid_id=row["bid_id"],
            buyer_id=row["buyer_id"],
            buyer_name=doc["buyer_name"],
            supplier_id=row["supplier_id"],
            supplier_name=doc["supplier_name"],
            value=row["value"],
            paid_total=row["paid_total"],
            rate_card=[RateCardItem.model_validate(i) for i in doc["rate_card"]],
            payment_model=doc["payment_model"],
            period_start=utc(datetime.fromisoformat(doc["period_start"])),
            period_end=utc(datetime.fromisoformat(doc["period_end"])),
            standstill_end=utc(datetime.fromisoformat(doc["standstill_end"])),
            status=row["status"],
            activate_at=utc(row["activate_at"]),
            reason=doc.get("reason"),
            # Rows from before disclosure control have no snapshot: they show nothing paid.
            public_payments=PublicPayments.model_validate(doc.get("public_payments") or {}),
            created_at=utc(row["created_at"]),
            updated_at=utc(row["updated_at"]),
            version=row["version"],
        )

    async def claim_due(self, now: datetime, limit: int = 20) -> list[str]:
        """Pending contracts whose requested activation is due, locked (SKIP LOCKED)."""
        c = orm.contracts.c
        query = (
            select(c.id)
            .where(c.status == "pending", c.activate_at.is_not(None), c.activate_at <= now)
            .order_by(c.activate_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(query)).scalars())

    async def for_commission(self, commission_id: str) -> list[Contract]:
        query = select(orm.contracts).where(orm.contracts.c.commission_id == commission_id)
        rows = (await self.session.execute(query.order_by(orm.contracts.c.created_at))).mappings()
        return [self.of(r) for r in rows]

    async def add(self, c: Contract) -> None:
        await self.session.execute(insert(orm.contracts).values(id=c.id, **self._values(c)))

    async def save(self, c: Contract) -> None:
        await self.session.execute(
            update(orm.contracts).where(orm.contracts.c.id == c.id).values(**self._values(c))
        )

    @staticmethod
    def _values(c: Contract) -> dict[str, Any]:
        assert c.period_start
        assert c.period_end
        assert c.standstill_end
        return {
            "commission_id": c.commission_id,
            "ocid": c.ocid,
            "lot_id": c.lot_id,
            "bid_id": c.bid_id,
            "buyer_id": c.buyer_id,
            "supplier_id": c.supplier_id,
            "status": c.status,
            "activate_at": c.activate_at,
            "value": c.value,
            "paid_total": c.paid_total,
            "document": {
                "lot_title": c.lot_title,
                "lot_areas": c.lot_areas,
                "lot_outcomes": [o.model_dump(mode="json") for o in c.lot_outcomes],
                "buyer_name": c.buyer_name,
                "supplier_name": c.supplier_name,
                "rate_card": [i.model_dump(mode="json") for i in c.rate_card],
                "payment_model": c.payment_model,
                "period_start": c.period_start.isoformat(),
                "period_end": c.period_end.isoformat(),
                "standstill_end": c.standstill_end.isoformat(),
                "reason": c.reason,
                "public_payments": c.public_payments.model_dump(mode="json"),
            },
            "created_at": c.created_at,
            "updated_at": c.updated_at,
            "version": c.version,
        }

    async def lines(self, contract_id: str) -> list[PaymentLine]:
        t = orm.payment_lines
        rows = (
            await self.session.execute(
                select(t).where(t.c.contract_id == contract_id).order_by(t.c.line_no)
            )
        ).mappings()
        return [
            PaymentLine(
                line_no=r["line_no"],
                kind=r["kind"],
                observation_id=r["observation_id"],
                indicator_code=r["indicator_code"],
                period_start=r["period_start"],
                period_end=r["period_end"],
                area=r["area"],
                units=Decimal(r["units"]),
                unit_price=r["unit_price"],
                amount=r["amount"],
                running_total=r["running_total"],
                note=r["note"],
                reversed=bool(r["reversed"]),
            )
            for r in rows
        ]

    async def add_line(self, contract_id: str, line: PaymentLine, now: datetime) -> None:
        await self.session.execute(
            insert(orm.payment_lines).values(
                contract_id=contract_id,
                line_no=line.line_no,
                kind=line.kind,
                observation_id=line.observation_id,
                indicator_code=line.indicator_code,
                period_start=line.period_start,
                period_end=line.period_end,
                area=line.area,
                units=str(line.units),
                unit_price=line.unit_price,
                amount=line.amount,
                running_total=line.running_total,
                note=line.note,
                reversed=0,
                created_at=now,
            )
        )

    async def mark_reversed(self, contract_id: str, observation_id: str) -> None:
        t = orm.payment_lines
        await self.session.execute(
            update(t)
            .where(t.c.contract_id == contract_id)
            .where(t.c.observation_id == observation_id)
            .where(t.c.kind == "payment")
            .values(reversed=1)
        )


class ReadModels:
    """The enterprise and indicator read models fed by other services' events."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enterprise(self, enterprise_id: str) -> EnterpriseRecord | None:
        t = orm.enterprises
        row = (
            await self.session.execute(select(t.c.record).where(t.c.id == enterprise_id))
        ).first()
        return None if row is None else EnterpriseRecord.model_validate(row[0])

    async def enterprises(self, ids: list[str]) -> dict[str, EnterpriseRecord]:
        t = orm.enterprises
        rows = await self.session.execute(select(t.c.id, t.c.record).where(t.c.id.in_(ids)))
        return {r.id: EnterpriseRecord.model_validate(r.record) for r in rows}

    async def indicator_codes(self, codes: set[str]) -> set[str]:
        if not codes:
            return set()
        t = orm.indicators
        rows = await self.session.execute(select(t.c.code).where(t.c.code.in_(codes)))
        return set(rows.scalars())

    async def sensitive_codes(self, codes: set[str]) -> set[str]:
        """The ``codes`` under disclosure control: sensitive or unknown (fail closed)."""
        t = orm.indicators
        rows = await self.session.execute(select(t.c.code, t.c.record).where(t.c.code.in_(codes)))
        safe = {r.code for r in rows if not (r.record or {}).get("sensitive", False)}
        return codes - safe

    async def put_enterprises(self, rows: Sequence[dict[str, Any]]) -> None:
        await _upsert_many(self.session, orm.enterprises, "id", rows)

    async def put_indicators(self, rows: Sequence[dict[str, Any]]) -> None:
        await _upsert_many(self.session, orm.indicators, "code", rows)

    async def count_indicators(self) -> int:
        t = orm.indicators
        return int((await self.session.execute(select(func.count()).select_from(t))).scalar_one())


async def _upsert_many(
    session: AsyncSession, table: Table, key: str, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert or replace ``rows`` by ``key`` in one statement (the last row of a key wins)."""
    unique = list({row[key]: row for row in rows}.values())
    if not unique:
        return
    bind = session.bind
    dialect = bind.dialect.name if bind is not None else "sqlite"
    columns = tuple(name for name in unique[0] if name != key)
    await session.execute(upsert(table, dialect, (key,), columns), unique)


def applicant(record: EnterpriseRecord | None) -> Applicant | None:
    """The eligibility facts of a registry record."""
    if record is None:
        return None
    return Applicant(
        id=record.id,
        name=record.name,
        status=record.status,
        legal_form=record.legal_form,
        size=record.size,
        areas_served=tuple(record.areas_served),
        mission=record.mission,
        independent=record.independent,
        trading_income_pct=record.trading_income_pct,
        profit_reinvested_pct=record.profit_reinvested_pct,
        asset_lock=record.asset_lock,
        publishes_social_report=record.publishes_social_report,
    )
