"""The Enterprise aggregate: its fields, validation rules and status machine."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from streetlevel.common.areas import GSS_CODE
from streetlevel.common.events import Aggregate
from streetlevel.registry.domain import events
from streetlevel.registry.domain.errors import IllegalTransition
from streetlevel.registry.domain.identifiers import Identifier
from streetlevel.registry.domain.themes import THEME_CODES


class LegalForm(StrEnum):
    CIC_LIMITED_BY_GUARANTEE = "cic_limited_by_guarantee"
    CIC_LIMITED_BY_SHARES = "cic_limited_by_shares"
    CHARITABLE_INCORPORATED_ORGANISATION = "charitable_incorporated_organisation"
    CHARITABLE_COMPANY = "charitable_company"
    COMPANY_LIMITED_BY_GUARANTEE = "company_limited_by_guarantee"
    COMPANY_LIMITED_BY_SHARES = "company_limited_by_shares"
    COMMUNITY_BENEFIT_SOCIETY = "community_benefit_society"
    COOPERATIVE_SOCIETY = "cooperative_society"
    UNINCORPORATED_ASSOCIATION = "unincorporated_association"
    SOLE_TRADER = "sole_trader"
    PARTNERSHIP = "partnership"


class Status(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    DISSOLVED = "dissolved"


PUBLIC_STATUSES = frozenset({Status.VERIFIED, Status.SUSPENDED, Status.DISSOLVED})
CIC_FORMS = frozenset({LegalForm.CIC_LIMITED_BY_GUARANTEE, LegalForm.CIC_LIMITED_BY_SHARES})
#: A person's home is never open data: these forms keep their address private.
PRIVATE_ADDRESS_FORMS = frozenset(
    {LegalForm.SOLE_TRADER, LegalForm.PARTNERSHIP, LegalForm.UNINCORPORATED_ASSOCIATION}
)
#: Forms with no register number of their own.
IDENTIFIER_OPTIONAL = PRIVATE_ADDRESS_FORMS
_COMPANY = frozenset({"GB-COH"})
_CHARITY = frozenset({"GB-CHC", "GB-SC", "GB-NIC"})
SCHEMES_FOR_FORM: dict[LegalForm, frozenset[str]] = {
    LegalForm.CIC_LIMITED_BY_GUARANTEE: _COMPANY,
    LegalForm.CIC_LIMITED_BY_SHARES: _COMPANY,
    LegalForm.CHARITABLE_INCORPORATED_ORGANISATION: _CHARITY,
    LegalForm.CHARITABLE_COMPANY: _COMPANY | _CHARITY,
    LegalForm.COMPANY_LIMITED_BY_GUARANTEE: _COMPANY,
    LegalForm.COMPANY_LIMITED_BY_SHARES: _COMPANY,
    LegalForm.COMMUNITY_BENEFIT_SOCIETY: frozenset({"GB-MPR"}),
    LegalForm.COOPERATIVE_SOCIETY: frozenset({"GB-MPR", "GB-COH"}),
}
#: Fields that only the enterprise itself and the registrar see.
PRIVATE_FIELDS = ("contact", "address", "annual_turnover")

Size = Literal["micro", "small", "medium", "large"]
Percent = Annotated[float, Field(ge=0, le=100)]
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", re.IGNORECASE)


def size_for(employees: int | None) -> Size | None:
    """Derived size band: micro < 10, small < 50, medium < 250, else large."""
    if employees is None:
        return None
    if employees < 10:
        return "micro"
    if employees < 50:
        return "small"
    if employees < 250:
        return "medium"
    return "large"


def _check_areas(codes: list[str]) -> list[str]:
    bad = [c for c in codes if not GSS_CODE.match(c)]
    if bad:
        raise ValueError(f"not GSS codes: {', '.join(bad)}")
    return list(dict.fromkeys(codes))


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold NUL: refuse it in both run modes alike.
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("must not contain NUL characters")
        return value


class Contact(Strict):
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=30)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not _PHONE.match(value):
            raise ValueError("not a telephone number")
        return value


class Address(Strict):
    lines: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=4
    )
    town: str = Field(min_length=1, max_length=100)
    postcode: str = Field(max_length=10)

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str) -> str:
        if not _POSTCODE.match(value):
            raise ValueError("not a UK postcode")
        return value.upper()


class Money(Strict):
    amount: Decimal = Field(ge=0, max_digits=15, decimal_places=2)
    currency: Literal["GBP"] = "GBP"


class Service(Strict):
    """A service the enterprise runs (HSDS-style)."""

    name: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    themes: list[str] = Field(default_factory=list, max_length=12)
    areas: list[str] = Field(default_factory=list, max_length=2000)

    @field_validator("themes")
    @classmethod
    def _themes(cls, value: list[str]) -> list[str]:
        return _check_themes(value)

    @field_validator("areas")
    @classmethod
    def _areas(cls, value: list[str]) -> list[str]:
        return _check_areas(value)


def _check_themes(codes: list[str]) -> list[str]:
    unknown = sorted(set(codes) - THEME_CODES)
    if unknown:
        valid = ", ".join(sorted(THEME_CODES))
        raise ValueError(f"unknown themes: {', '.join(unknown)}; valid codes: {valid}")
    return list(dict.fromkeys(codes))


class EnterpriseDetails(Strict):
    """Everything an enterprise says about itself: what is created and merge-patched."""

    identifier: Identifier | None = None
    name: str = Field(min_length=1, max_length=300)
    legal_form: LegalForm
    mission: str | None = Field(default=None, max_length=5000)
    themes: list[str] = Field(default_factory=list, max_length=12)
    areas_served: list[str] = Field(default_factory=list, max_length=5000)
    website: str | None = Field(default=None, max_length=2000)
    employees: int | None = Field(default=None, ge=0, le=1_000_000)
    trading_income_pct: Percent | None = None
    profit_reinvested_pct: Percent | None = None
    asset_lock: bool | None = None
    independent: bool | None = None
    publishes_social_report: bool | None = None
    accreditations: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=50
    )
    services: list[Service] = Field(default_factory=list, max_length=100)
    founded_on: date | None = None
    contact: Contact | None = None
    address: Address | None = None
    annual_turnover: Money | None = None

    @field_validator("themes")
    @classmethod
    def _themes(cls, value: list[str]) -> list[str]:
        return _check_themes(value)

    @field_validator("areas_served")
    @classmethod
    def _areas(cls, value: list[str]) -> list[str]:
        return _check_areas(value)

    @field_validator("accreditations")
    @classmethod
    def _accreditations(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @field_validator("website")
    @classmethod
    def _website(cls, value: str | None) -> str | None:
        if value is not None and not _URL.match(value):
            raise ValueError("not an http(s) URL")
        return value

    @model_validator(mode="after")
    def _identifier_fits_form(self) -> EnterpriseDetails:
        if self.identifier is None:
            if self.legal_form not in IDENTIFIER_OPTIONAL:
                raise ValueError(f"a {self.legal_form.value} needs an identifier")
            return self
        allowed = SCHEMES_FOR_FORM.get(self.legal_form)
        # A PPON identifies any supplier registered for public procurement, whatever its form.
        if allowed is not None and self.identifier.scheme not in allowed | {"GB-PPON"}:
            raise ValueError(
                f"a {self.legal_form.value} is identified by {', '.join(sorted(allowed))}, "
                f"not {self.identifier.scheme}"
            )
        return self

    def all_area_codes(self) -> set[str]:
        """Every area code this record names (served areas and service areas)."""
        return set(self.areas_served).union(*(s.areas for s in self.services))


@dataclass(eq=False, kw_only=True)
class Enterprise(Aggregate):
    """An enterprise on the register; every change records exactly one event."""

    id: uuid.UUID
    details: EnterpriseDetails
    status: Status
    created_at: datetime
    updated_at: datetime
    registered_by_client: str | None = None
    registered_by_org: str | None = None
    owner_client_id: str | None = None

    @classmethod
    def register(
        cls,
        *,
        enterprise_id: uuid.UUID,
        details: EnterpriseDetails,
        now: datetime,
        registered_by_client: str | None,
        registered_by_org: str | None,
        owner_client_id: str | None,
    ) -> Enterprise:
        enterprise = cls(
            id=enterprise_id,
            details=details,
            status=Status.PENDING,
            created_at=now,
            updated_at=now,
            registered_by_client=registered_by_client,
            registered_by_org=registered_by_org,
            owner_client_id=owner_client_id,
        )
        enterprise._record(events.EnterpriseRegistered, now)
        return enterprise

    @property
    def size(self) -> Size | None:
        return size_for(self.details.employees)

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    def update(self, details: EnterpriseDetails, *, now: datetime) -> list[str]:
        """Replace the details; returns the changed field names (none: nothing recorded)."""
        before, after = self.details.model_dump(mode="json"), details.model_dump(mode="json")
        changed = [name for name in after if before.get(name) != after[name]]
        if not changed:
            return []
        self.details = details
        self.updated_at = now
        self._record(events.EnterpriseUpdated, now, changed_fields=changed)
        return changed

    def verify(self, *, note: str | None, now: datetime) -> None:
        self._move({Status.PENDING}, Status.VERIFIED, "verify")
        self._record(events.EnterpriseVerified, now, note=note)

    def reject(self, *, note: str | None, now: datetime) -> None:
        self._move({Status.PENDING}, Status.REJECTED, "reject")
        self._record(events.EnterpriseRejected, now, note=note)

    def suspend(self, *, reason: str, now: datetime) -> None:
        self._move({Status.VERIFIED}, Status.SUSPENDED, "suspend")
        self._record(events.EnterpriseSuspended, now, reason=reason)

    def reinstate(self, *, reason: str, now: datetime) -> None:
        self._move({Status.SUSPENDED}, Status.VERIFIED, "reinstate")
        self._record(events.EnterpriseReinstated, now, reason=reason)

    def dissolve(self, *, reason: str, now: datetime) -> None:
        self._move(set(Status) - {Status.DISSOLVED}, Status.DISSOLVED, "dissolve")
        self._record(events.EnterpriseDissolved, now, reason=reason)

    def _move(self, allowed_from: set[Status], to: Status, action: str) -> None:
        if self.status not in allowed_from:
            raise IllegalTransition(
                f"Cannot {action} an enterprise that is {self.status.value}.",
                current_status=self.status.value,
                allowed_from=sorted(s.value for s in allowed_from),
            )
        self.status = to

    def _record(self, kind: type[events.EnterpriseEvent], now: datetime, **extra: Any) -> None:
        self.updated_at = now
        # The event states the record as of the version it creates.
        payload = kind(enterprise=self.public_record(version=self.version + 1), **extra)
        self.record(payload, subject=f"enterprise/{self.id}")

    def public_record(self, *, version: int | None = None) -> events.EnterprisePublic:
        """The open-data view: no contacts, no turnover, no private address."""
        d = self.details
        address = None if d.legal_form in PRIVATE_ADDRESS_FORMS else d.address
        return events.EnterprisePublic(
            id=self.id,
            identifier=d.identifier,
            name=d.name,
            legal_form=d.legal_form.value,
            status=self.status.value,
            mission=d.mission,
            themes=d.themes,
            areas_served=d.areas_served,
            website=d.website,
            employees=d.employees,
            size=self.size,
            trading_income_pct=d.trading_income_pct,
            profit_reinvested_pct=d.profit_reinvested_pct,
            asset_lock=d.asset_lock,
            independent=d.independent,
            publishes_social_report=d.publishes_social_report,
            accreditations=d.accreditations,
            services=[s.model_dump() for s in d.services],
            founded_on=d.founded_on,
            address=address.model_dump() if address else None,
            created_at=self.created_at,
            updated_at=self.updated_at,
            version=self.version if version is None else version,
        )

    def document(self) -> dict[str, Any]:
        """The whole record as JSON (private fields included): what history diffs."""
        doc = self.details.model_dump(mode="json")
        doc["status"] = self.status.value
        return doc
