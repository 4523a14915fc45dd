"""Loads and saves Enterprise aggregates; flushes, never commits."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import BindParameter

from streetlevel.registry.adapters.orm import (
    areas,
    enterprise_accreditations,
    enterprise_areas,
    enterprise_themes,
    enterprises,
    revisions,
)
from streetlevel.registry.domain.model import Enterprise, EnterpriseDetails, Status, size_for


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


def _detail_columns(d: EnterpriseDetails, fields: Iterable[str]) -> dict[str, Any]:
    """The ``enterprises`` columns that store these fields of the details."""
    values: dict[str, Any] = {}
    for name in fields:
        if name == "identifier":
            values["identifier_scheme"] = d.identifier.scheme if d.identifier else None
            values["identifier_id"] = d.identifier.id if d.identifier else None
        elif name == "legal_form":
            values["legal_form"] = d.legal_form.value
        elif name == "employees":
            values["employees"] = d.employees
            values["size"] = size_for(d.employees)
        elif name == "services":
            values["services"] = [s.model_dump(mode="json") for s in d.services]
            values["services_text"] = " ".join(
                part for s in d.services for part in (s.name, s.description or "") if part
            )
        elif name in ("contact", "address"):
            part = getattr(d, name)
            values[name] = part.model_dump(mode="json") if part is not None else None
        elif name == "annual_turnover":
            values[name] = d.annual_turnover.amount if d.annual_turnover else None
        else:
            values[name] = getattr(d, name)
    return values


def _state_columns(ent: Enterprise) -> dict[str, Any]:
    """What every change of the aggregate writes besides its details."""
    return {
        "status": ent.status.value,
        "owner_client_id": ent.owner_client_id,
        "updated_at": ent.updated_at,
        "version": ent.version,
    }


#: Which search-key table mirrors which list of the details.
_KEY_TABLES: dict[str, tuple[Table, str]] = {
    "areas_served": (enterprise_areas, "area_code"),
    "themes": (enterprise_themes, "theme"),
    "accreditations": (enterprise_accreditations, "accreditation"),
}

# Built once: a statement object caches its compiled form, so each use only binds values.
_BY_ID = enterprises.c.id == bindparam("enterprise_id")
_GET = select(enterprises).where(_BY_ID)
_GET_FOR_UPDATE = _GET.with_for_update()
_HOLDER = select(enterprises.c.id).where(
    enterprises.c.identifier_scheme == bindparam("scheme"),
    enterprises.c.identifier_id == bindparam("identifier"),
)
_HOLDER_OTHER_THAN = _HOLDER.where(enterprises.c.id != bindparam("other_than"))
_KNOWN_AREAS = select(areas.c.code).where(areas.c.code.in_(bindparam("codes", expanding=True)))
_INSERT = insert(enterprises)
_UPDATE = update(enterprises).where(_BY_ID)
_INSERT_REVISION = insert(revisions)
_REVISION = tuple(c.name for c in revisions.c if c.name != "id")
_KEYS = {
    field: (
        delete(table).where(table.c.enterprise_id == bindparam("enterprise_id")),
        insert(table),
        column,
    )
    for field, (table, column) in _KEY_TABLES.items()
}


@functools.lru_cache(maxsize=256)
def _save_with_revision(columns: tuple[str, ...]) -> Insert:
    """PostgreSQL: the UPDATE of ``columns`` as a CTE of its revision's INSERT, one round trip."""
    saved = update(enterprises).where(_BY_ID).values({c: bindparam(c) for c in columns})
    row: dict[str, BindParameter[Any]] = {c: bindparam(f"revision_{c}") for c in _REVISION}
    return insert(revisions).values(row).add_cte(saved.cte("saved"))


@dataclass(frozen=True, slots=True)
class Revision:
    """One entry of an enterprise's history, written with the change it describes."""

    action: str
    actor: str
    client_id: str | None
    at: datetime
    patch: list[dict[str, Any]]
    request_id: str | None

    def row(self, ent: Enterprise) -> dict[str, Any]:
        return {
            "enterprise_id": ent.id,
            "version": ent.version,
            "action": self.action,
            "actor": self.actor,
            "client_id": self.client_id,
            "at": self.at,
            "patch": self.patch,
            "request_id": self.request_id,
        }


class EnterpriseRepository:
    """Enterprise rows plus the search keys (areas, themes, accreditations) they index."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"

    async def get(self, enterprise_id: uuid.UUID) -> Enterprise | None:
        """The enterprise, its row locked until the unit of work ends (PostgreSQL)."""
        query = _GET_FOR_UPDATE if self.postgres else _GET
        row = (await self.session.execute(query, {"enterprise_id": enterprise_id})).first()
        return enterprise_from_row(row) if row is not None else None

    async def holder_of(
        self, scheme: str, identifier: str, *, other_than: uuid.UUID | None = None
    ) -> uuid.UUID | None:
        """The enterprise that already holds this identifier, if any."""
        params: dict[str, Any] = {"scheme": scheme, "identifier": identifier}
        query = _HOLDER
        if other_than is not None:
            query, params["other_than"] = _HOLDER_OTHER_THAN, other_than
        found: uuid.UUID | None = (await self.session.execute(query, params)).scalar_one_or_none()
        return found

    async def unknown_areas(self, codes: set[str]) -> list[str]:
        if not codes:
            return []
        result = await self.session.execute(_KNOWN_AREAS, {"codes": sorted(codes)})
        return sorted(codes - set(result.scalars()))

    async def add(self, ent: Enterprise, revision: Revision) -> None:
        """Insert a new enterprise, its search keys and its first revision."""
        values = _detail_columns(ent.details, EnterpriseDetails.model_fields)
        await self.session.execute(
            _INSERT,
            {
                "id": ent.id,
                **values,
                **_state_columns(ent),
                "registered_by_client": ent.registered_by_client,
                "registered_by_org": ent.registered_by_org,
                "created_at": ent.created_at,
            },
        )
        await self._index(ent, _KEY_TABLES, replace=False)
        await self.session.execute(_INSERT_REVISION, revision.row(ent))

    async def save(
        self, ent: Enterprise, revision: Revision, changed: Collection[str] = ()
    ) -> None:
        """Write the aggregate's state, the ``changed`` fields of its details and the revision."""
        values = {**_detail_columns(ent.details, changed), **_state_columns(ent)}
        if self.postgres:
            history = {f"revision_{name}": value for name, value in revision.row(ent).items()}
            await self.session.execute(
                _save_with_revision(tuple(values)),
                {"enterprise_id": ent.id, **values, **history},
            )
        else:
            await self.session.execute(_UPDATE, {"enterprise_id": ent.id, **values})
            await self.session.execute(_INSERT_REVISION, revision.row(ent))
        await self._index(ent, [name for name in changed if name in _KEY_TABLES], replace=True)

    async def _index(self, ent: Enterprise, fields: Iterable[str], *, replace: bool) -> None:
        """Rewrite the search keys of the list fields named: one table per changed list."""
        for name in fields:
            remove, add, column = _KEYS[name]
            if replace:
                await self.session.execute(remove, {"enterprise_id": ent.id})
            values: list[str] = getattr(ent.details, name)
            if values:
                await self.session.execute(
                    add, [{"enterprise_id": ent.id, column: value} for value in values]
                )
