"""Loads and saves Enterprise aggregates; flushes, never commits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.registry.adapters.orm import (
    areas,
    enterprise_accreditations,
    enterprise_areas,
    enterprise_themes,
    enterprises,
    revisions,
)
from streetlevel.registry.domain.model import Enterprise, EnterpriseDetails, Status


def as_utc(value: datetime) -> datetime:
    """SQLite hands timestamps back naive; they were stored as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def details_from_row(row: Row[Any] | Any) -> EnterpriseDetails:
    identifier = (
        {"scheme": row.identifier_scheme, "id": row.identifier_id}
        if row.identifier_scheme
        else None
    )
    turnover = row.annual_turnover
    return EnterpriseDetails.model_validate(
        {
            "identifier": identifier,
            "name": row.name,
            "legal_form": row.legal_form,
            "mission": row.mission,
            "themes": row.themes,
            "areas_served": row.areas_served,
            "website": row.website,
            "employees": row.employees,
            "trading_income_pct": row.trading_income_pct,
            "profit_reinvested_pct": row.profit_reinvested_pct,
            "asset_lock": row.asset_lock,
            "independent": row.independent,
            "publishes_social_report": row.publishes_social_report,
            "accreditations": row.accreditations,
            "services": row.services,
            "founded_on": row.founded_on,
            "contact": row.contact,
            "address": row.address,
            "annual_turnover": {"amount": turnover, "currency": "GBP"}
            if turnover is not None
            else None,
        }
    )


def enterprise_from_row(row: Row[Any] | Any) -> Enterprise:
    return Enterprise(
        id=row.id,
        details=details_from_row(row),
        status=Status(row.status),
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        registered_by_client=row.registered_by_client,
        registered_by_org=row.registered_by_org,
        owner_client_id=row.owner_client_id,
        version=row.version,
    )


def _values(ent: Enterprise) -> dict[str, Any]:
    d = ent.details
    dumped = d.model_dump(mode="json")
    return {
        "identifier_scheme": d.identifier.scheme if d.identifier else None,
        "identifier_id": d.identifier.id if d.identifier else None,
        "name": d.name,
        "legal_form": d.legal_form.value,
        "status": ent.status.value,
        "mission": d.mission,
        "website": d.website,
        "employees": d.employees,
        "size": ent.size,
        "trading_income_pct": d.trading_income_pct,
        "profit_reinvested_pct": d.profit_reinvested_pct,
        "asset_lock": d.asset_lock,
        "independent": d.independent,
        "publishes_social_report": d.publishes_social_report,
        "themes": d.themes,
        "areas_served": d.areas_served,
        "accreditations": d.accreditations,
        "services": dumped["services"],
        "services_text": " ".join(
            part for s in d.services for part in (s.name, s.description or "") if part
        ),
        "founded_on": d.founded_on,
        "contact": dumped["contact"],
        "address": dumped["address"],
        "annual_turnover": d.annual_turnover.amount if d.annual_turnover else None,
        "registered_by_client": ent.registered_by_client,
        "registered_by_org": ent.registered_by_org,
        "owner_client_id": ent.owner_client_id,
        "created_at": ent.created_at,
        "updated_at": ent.updated_at,
        "version": ent.version,
    }


class EnterpriseRepository:
    """Enterprise rows plus the search keys (areas, themes, accreditations) they index."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, enterprise_id: uuid.UUID) -> Enterprise | None:
        query = select(enterprises).where(enterprises.c.id == enterprise_id)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return enterprise_from_row(row) if row is not None else None

    async def holder_of(
        self, scheme: str, identifier: str, *, other_than: uuid.UUID | None = None
    ) -> uuid.UUID | None:
        """The enterprise that already holds this identifier, if any."""
        query = select(enterprises.c.id).where(
            enterprises.c.identifier_scheme == scheme, enterprises.c.identifier_id == identifier
        )
        if other_than is not None:
            query = query.where(enterprises.c.id != other_than)
        found: uuid.UUID | None = (await self.session.execute(query)).scalar_one_or_none()
        return found

    async def unknown_areas(self, codes: set[str]) -> list[str]:
        if not codes:
            return []
        known = set(
            (await self.session.execute(select(areas.c.code).where(areas.c.code.in_(codes))))
            .scalars()
            .all()
        )
        return sorted(codes - known)

    async def add(self, ent: Enterprise) -> None:
        await self.session.execute(insert(enterprises).values(id=ent.id, **_values(ent)))
        await self._index(ent, replace=False)

    async def save(self, ent: Enterprise) -> None:
        await self.session.execute(
            update(enterprises).where(enterprises.c.id == ent.id).values(**_values(ent))
        )
        await self._index(ent, replace=True)

    async def _index(self, ent: Enterprise, *, replace: bool) -> None:
        d = ent.details
        keys = (
            (enterprise_areas, "area_code", d.areas_served),
            (enterprise_themes, "theme", d.themes),
            (enterprise_accreditations, "accreditation", d.accreditations),
        )
        for table, column, values in keys:
            if replace:
                await self.session.execute(delete(table).where(table.c.enterprise_id == ent.id))
            if values:
                await self.session.execute(
                    insert(table), [{"enterprise_id": ent.id, column: v} for v in values]
                )

    async def add_revision(
        self,
        ent: Enterprise,
        *,
        action: str,
        actor: str,
        client_id: str | None,
        at: datetime,
        patch: list[dict[str, Any]],
        request_id: str | None,
    ) -> None:
        await self.session.execute(
            insert(revisions).values(
                enterprise_id=ent.id,
                version=ent.version,
                action=action,
                actor=actor,
                client_id=client_id,
                at=at,
                patch=patch,
                request_id=request_id,
            )
        )
