"""Who may see and change an enterprise (API.md's access table)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from streetlevel.common.auth import Principal
from streetlevel.common.errors import Forbidden
from streetlevel.registry.domain.model import PUBLIC_STATUSES, Status

VERIFY = "registry:verify"
WRITE = "registry:write"


class View(Enum):
    """How much of a record the caller may read."""

    NONE = "none"
    PUBLIC = "public"
    FULL = "full"


@dataclass(frozen=True, slots=True)
class Ownership:
    """The access-relevant facts of one enterprise."""

    id: str
    status: Status
    owner_client_id: str | None
    registered_by_org: str | None


def is_registrar(principal: Principal) -> bool:
    return principal.has(VERIFY)


def is_itself(principal: Principal, target: Ownership) -> bool:
    """The enterprise itself: a client bound to it, or the unbound client that created it."""
    if principal.is_anonymous:
        return False
    if principal.enterprise_id is not None and principal.enterprise_id == target.id:
        return True
    return target.owner_client_id is not None and principal.client_id == target.owner_client_id


def is_its_council(principal: Principal, target: Ownership) -> bool:
    """The council that registered the enterprise."""
    return principal.org is not None and principal.org == target.registered_by_org


def view_of(principal: Principal, target: Ownership) -> View:
    if is_itself(principal, target) or is_registrar(principal):
        return View.FULL
    if is_its_council(principal, target):
        return View.PUBLIC
    return View.PUBLIC if target.status in PUBLIC_STATUSES else View.NONE


def may_update(principal: Principal, target: Ownership) -> bool:
    return is_registrar(principal) or (is_itself(principal, target) and principal.has(WRITE))


def require_history_caller(principal: Principal) -> None:
    """History needs a token: anonymous callers get 401 before any record is looked up."""
    if principal.is_anonymous:
        principal.require(WRITE)


def history_view(principal: Principal, target: Ownership) -> View:
    """Full history for itself and the registrar, public fields for its council; else 403."""
    view = view_of(principal, target)
    if view is not View.FULL and not is_its_council(principal, target):
        raise Forbidden("History is for the enterprise itself, its council and the registrar.")
    return view
