"""Request and response schemas of the registry API (XCreate / XRead / XUpdate)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from streetlevel.registry.domain.check import SocialEnterpriseCheck
from streetlevel.registry.domain.events import EnterprisePublic
from streetlevel.registry.domain.model import Contact, EnterpriseDetails, Money


class EnterpriseCreate(EnterpriseDetails):
    """Body of ``POST /v1/enterprises``; unknown fields are refused (422)."""


class EnterpriseUpdate(BaseModel):
    """Body of ``PATCH /v1/enterprises/{id}``: a JSON merge patch of EnterpriseCreate's fields."""

    model_config = ConfigDict(extra="allow")


class EnterpriseRead(EnterprisePublic):
    """An enterprise; private fields appear only for the enterprise itself and the registrar."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contact: Contact | None = None
    annual_turnover: Money | None = None
    registered_by_client: str | None = None
    registered_by_org: str | None = None


class EnterprisePage(BaseModel):
    items: list[EnterpriseRead]
    next_cursor: str | None


class VerificationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["verified", "rejected"]
    note: str | None = Field(default=None, max_length=2000)


class ReasonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class RevisionRead(BaseModel):
    version: int
    action: str
    actor: str
    client_id: str | None
    at: str
    patch: list[dict[str, Any]]
    request_id: str | None


class RevisionPage(BaseModel):
    items: list[RevisionRead]
    next_cursor: str | None


class CheckRead(SocialEnterpriseCheck):
    enterprise_id: str


class AreaRead(BaseModel):
    code: str
    name: str
    type: str
    parent: str | None


class AreaDetail(AreaRead):
    parents: list[AreaRead]
    children: list[AreaRead]


class AreaPage(BaseModel):
    items: list[AreaRead]
    next_cursor: str | None


class ThemeRead(BaseModel):
    code: str
    name: str
    description: str


class ThemeList(BaseModel):
    items: list[ThemeRead]


# The bulk export (documentation: the route streams these without building models).


class ExportMeta(BaseModel):
    license: str
    license_url: str
    publisher: str
    generated_at: str


class ExportMetaLine(BaseModel):
    """The first NDJSON line: the licence and when the export was made."""

    meta: ExportMeta = Field(alias="_meta")


class EnterpriseExportLine(RootModel[ExportMetaLine | EnterpriseRead]):
    """One NDJSON line: the meta line first, then one public enterprise record a line."""


class HsdsServiceArea(BaseModel):
    id: str
    service_id: str
    name: str
    description: str
    extent: str
    extent_type: Literal["text"]


class HsdsService(BaseModel):
    id: str
    organization_id: str
    name: str
    description: str
    status: Literal["active", "temporarily closed", "defunct"]
    service_areas: list[HsdsServiceArea]


class HsdsOrganizationIdentifier(BaseModel):
    id: str
    organization_id: str
    identifier_scheme: Literal["org-id.guide"]
    identifier_type: str
    identifier: str


class HsdsOrganization(BaseModel):
    """An HSDS 3.0 organization with its services (public fields only)."""

    id: str
    name: str
    description: str
    legal_status: str
    website: str | None = None
    year_incorporated: int | None = None
    organization_identifiers: list[HsdsOrganizationIdentifier]
    services: list[HsdsService]


class HsdsExport(ExportMeta):
    """``format=hsds``: the register as HSDS 3.0 organizations."""

    standard: Literal["HSDS 3.0"]
    contents: list[HsdsOrganization]
