"""Registry use cases: load → act → commit, each with its revision-history row."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import ValidationError

from streetlevel.common.auth import Principal
from streetlevel.common.context import current_request_id
from streetlevel.common.errors import Forbidden, PreconditionFailed, ValidationProblem
from streetlevel.common.etags import expected_version, version_tag
from streetlevel.common.ids import new_id
from streetlevel.common.uow import UnitOfWork
from streetlevel.registry.adapters.enterprise_repository import EnterpriseRepository, Revision
from streetlevel.registry.domain.errors import DuplicateIdentifier, EnterpriseNotFound, UnknownAreas
from streetlevel.registry.domain.model import Enterprise, EnterpriseDetails
from streetlevel.registry.domain.patch import diff, merge_patch
from streetlevel.registry.service.access import (
    VERIFY,
    WRITE,
    Ownership,
    View,
    may_update,
    view_of,
)


def etag(version: int, view: View = View.FULL) -> str:
    """The version tag of the platform's scheme; the public view is a representation apart."""
    return version_tag(version, "public" if view is View.PUBLIC else None)


def ownership(ent: Enterprise) -> Ownership:
    return Ownership(str(ent.id), ent.status, ent.owner_client_id, ent.registered_by_org)


def validation_problem(exc: ValidationError) -> ValidationProblem:
    return ValidationProblem.from_pydantic(
        "The enterprise is not valid.", exc.errors(include_url=False, include_input=False)
    )


async def _check_references(
    repo: EnterpriseRepository, details: EnterpriseDetails, *, current: Enterprise | None = None
) -> None:
    """The identifier is nobody else's, the area codes are known: checked where they change."""
    kept = current.details if current is not None else None
    if details.identifier is not None and (kept is None or details.identifier != kept.identifier):
        holder = await repo.holder_of(
            details.identifier.scheme,
            details.identifier.id,
            other_than=current.id if current is not None else None,
        )
        if holder is not None:
            raise DuplicateIdentifier(
                f"{details.identifier} is already registered.", enterprise_id=str(holder)
            )
    # Codes the record already held were checked when they were written.
    added = details.all_area_codes() - (kept.all_area_codes() if kept is not None else set())
    unknown = await repo.unknown_areas(added)
    if unknown:
        raise UnknownAreas(unknown)


def _revision(
    ent: Enterprise, *, action: str, principal: Principal, before: dict[str, Any], uow: UnitOfWork
) -> Revision:
    """The history entry of this change: who, when, which request, and the JSON Patch."""
    return Revision(
        action=action,
        actor=principal.actor,
        client_id=principal.client_id,
        at=uow.clock.now(),
        patch=diff(before, ent.document()),
        request_id=current_request_id(),
    )


async def register_enterprise(
    *, uow: UnitOfWork, details: EnterpriseDetails, principal: Principal
) -> Enterprise:
    """Register a new enterprise as ``pending``; an unbound enterprise client becomes its owner."""
    principal.require(WRITE)
    unbound = principal.kind == "enterprise" and principal.enterprise_id is None
    if principal.kind == "enterprise" and not unbound:
        raise Forbidden(
            f"This client already acts for enterprise {principal.enterprise_id}; "
            "it cannot register another."
        )
    async with uow:
        repo = EnterpriseRepository(uow.session)
        await _check_references(repo, details)
        ent = Enterprise.register(
            enterprise_id=new_id(),
            details=details,
            now=uow.clock.now(),
            registered_by_client=principal.client_id,
            registered_by_org=principal.org,
            owner_client_id=principal.client_id if unbound else None,
        )
        await repo.add(
            ent, _revision(ent, action="registered", principal=principal, before={}, uow=uow)
        )
        uow.track(ent)
        await uow.commit()
    return ent


async def _load(repo: EnterpriseRepository, enterprise_id: uuid.UUID) -> Enterprise:
    ent = await repo.get(enterprise_id)
    if ent is None:
        raise EnterpriseNotFound(f"No enterprise {enterprise_id}.")
    return ent


async def update_enterprise(
    *,
    uow: UnitOfWork,
    enterprise_id: uuid.UUID,
    patch: dict[str, Any],
    if_match: str | None,
    principal: Principal,
) -> Enterprise:
    """Apply a JSON merge patch (RFC 7396) from the enterprise itself or the registrar."""
    if principal.is_anonymous:
        principal.require(WRITE)
    async with uow:
        repo = EnterpriseRepository(uow.session)
        ent = await _load(repo, enterprise_id)
        target = ownership(ent)
        if not may_update(principal, target):
            if view_of(principal, target) is View.NONE:
                raise EnterpriseNotFound(f"No enterprise {enterprise_id}.")
            raise Forbidden("Only the enterprise itself or the registrar may change it.")
        expected = expected_version(if_match)
        if expected is not None and expected != ent.version:
            raise PreconditionFailed(
                f"The enterprise is at version {ent.version}; If-Match was {if_match}."
            )
        if "status" in patch:
            raise ValidationProblem(
                "status cannot be patched: use the verification, suspension, reinstatement "
                "or dissolution actions.",
                [{"loc": ["body", "status"], "msg": "read-only field", "type": "read_only"}],
            )
        merged = merge_patch(ent.details.model_dump(mode="json", exclude_none=True), patch)
        try:
            details = EnterpriseDetails.model_validate(merged)
        except ValidationError as exc:
            raise validation_problem(exc) from exc
        await _check_references(repo, details, current=ent)
        before = ent.document()
        changed = ent.update(details, now=uow.clock.now())
        if changed:
            revision = _revision(ent, action="updated", principal=principal, before=before, uow=uow)
            await repo.save(ent, revision, changed)
            uow.track(ent)
            await uow.commit()
    return ent


Action = Literal["verified", "rejected", "suspended", "reinstated", "dissolved"]


async def change_status(
    *,
    uow: UnitOfWork,
    enterprise_id: uuid.UUID,
    action: Action,
    text: str | None,
    principal: Principal,
) -> Enterprise:
    """A registrar's lifecycle decision; illegal transitions are 409 ``invalid-transition``."""
    principal.require(VERIFY)
    async with uow:
        repo = EnterpriseRepository(uow.session)
        ent = await _load(repo, enterprise_id)
        before = ent.document()
        now = uow.clock.now()
        if action == "verified":
            ent.verify(note=text, now=now)
        elif action == "rejected":
            ent.reject(note=text, now=now)
        elif action == "suspended":
            ent.suspend(reason=text or "", now=now)
        elif action == "reinstated":
            ent.reinstate(reason=text or "", now=now)
        else:
            ent.dissolve(reason=text or "", now=now)
        await repo.save(
            ent, _revision(ent, action=action, principal=principal, before=before, uow=uow)
        )
        uow.track(ent)
        await uow.commit()
    return ent
