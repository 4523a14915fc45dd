"""Events of the registry (public data only): enterprises and the theme vocabulary."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from streetlevel.common.events import DomainEvent, TopicInfo, Visibility
from streetlevel.registry.domain.identifiers import Identifier

TOPIC = "registry.enterprise.v1"
#: Compacted: one record per theme code (key = the code), the vocabulary other services learn.
THEME_TOPIC = "registry.theme.v1"
#: Private: each event concerns one enterprise, named by the envelope's ``audience``.
PRIVATE_TOPIC = "registry.private.v1"
TOPICS = (
    TopicInfo(
        TOPIC,
        key="the enterprise id",
        description="The open register: each event carries the enterprise's public record "
        "after the change (registered, updated, verified or rejected, suspended, reinstated, "
        "dissolved).",
    ),
    TopicInfo(
        THEME_TOPIC,
        key="the theme code",
        description="The theme vocabulary (compacted: the latest record per code is the "
        "vocabulary): a code defined, or retired. Commissioning and outcomes validate themes "
        "against the list they learned here.",
    ),
    TopicInfo(
        PRIVATE_TOPIC,
        key="the enterprise id",
        description="PRIVATE: notices for the one principal named by the envelope's audience "
        "(read by the notifications service only).",
    ),
)


class PublicService(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str | None = None
    themes: list[str] = []
    areas: list[str] = []


class PublicAddress(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    lines: list[str]
    town: str
    postcode: str


class EnterprisePublic(BaseModel):
    """The public enterprise record: what anyone may read, and what events carry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: uuid.UUID
    identifier: Identifier | None
    name: str
    legal_form: str
    status: str
    mission: str | None
    themes: list[str]
    areas_served: list[str]
    website: str | None
    employees: int | None
    size: str | None
    trading_income_pct: float | None
    profit_reinvested_pct: float | None
    asset_lock: bool | None
    independent: bool | None
    publishes_social_report: bool | None
    accreditations: list[str]
    services: list[PublicService]
    founded_on: date | None
    #: Only for incorporated bodies; a sole trader's, partnership's or group's is private.
    address: PublicAddress | None
    created_at: datetime
    updated_at: datetime
    version: int


class EnterpriseEvent(DomainEvent):
    topic: ClassVar[str] = TOPIC

    enterprise: EnterprisePublic


class EnterpriseRegistered(EnterpriseEvent):
    event_type: ClassVar[str] = "registry.enterprise.registered.v1"


class EnterpriseUpdated(EnterpriseEvent):
    event_type: ClassVar[str] = "registry.enterprise.updated.v1"

    changed_fields: list[str]


class EnterpriseVerified(EnterpriseEvent):
    event_type: ClassVar[str] = "registry.enterprise.verified.v1"

    note: str | None = None


class EnterpriseRejected(EnterpriseEvent):
    event_type: ClassVar[str] = "registry.enterprise.rejected.v1"

    note: str | None = None


class EnterpriseSuspended(EnterpriseEvent):
    event_type: ClassVar[str] = "registry.enterprise.suspended.v1"

    reason: str


class EnterpriseReinstated(EnterpriseEvent):
    event_type: ClassVar[str] = "registry.enterprise.reinstated.v1"

    reason: str


class EnterpriseDissolved(EnterpriseEvent):
    event_type: ClassVar[str] = "registry.enterprise.dissolved.v1"

    reason: str


ALL_EVENTS: tuple[type[EnterpriseEvent], ...] = (
    EnterpriseRegistered,
    EnterpriseUpdated,
    EnterpriseVerified,
    EnterpriseRejected,
    EnterpriseSuspended,
    EnterpriseReinstated,
    EnterpriseDissolved,
)


class ThemeDefined(DomainEvent):
    """A theme code is in use, with its current name and description."""

    event_type: ClassVar[str] = "registry.theme.defined.v1"
    topic: ClassVar[str] = THEME_TOPIC

    code: str
    name: str
    description: str


class ThemeRetired(DomainEvent):
    """A theme code is no longer offered: new tags refuse it."""

    event_type: ClassVar[str] = "registry.theme.retired.v1"
    topic: ClassVar[str] = THEME_TOPIC

    code: str


class VerificationDecided(DomainEvent):
    """To the enterprise: the registrar verified or rejected its registration."""

    event_type: ClassVar[str] = "registry.enterprise.verification_decided.v1"
    topic: ClassVar[str] = PRIVATE_TOPIC
    visibility: ClassVar[Visibility] = "internal"

    enterprise_id: uuid.UUID
    decision: Literal["verified", "rejected"]
    note: str | None = None
