"""The access matrix of service/access.py: each rule × each principal, called directly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from streetlevel.common.auth import Principal
from streetlevel.common.errors import DomainError
from streetlevel.registry.domain.model import Status
from streetlevel.registry.service.access import (
    Ownership,
    View,
    history_view,
    may_update,
    require_history_caller,
    view_of,
)
from streetlevel.testing.tokens import ENTERPRISE_SCOPES, access_principals, principal

EID, COUNCIL_ORG = "0190d0c4-0000-7000-8000-00000000000a", "GB-LAE-BPL"
PRINCIPALS: dict[str, Principal] = access_principals(EID, COUNCIL_ORG)


def target(status: Status) -> Ownership:
    """An enterprise registered by Blackpool Council."""
    return Ownership(id=EID, status=status, owner_client_id=None, registered_by_org=COUNCIL_ORG)


def verdict(call: Callable[[], Any]) -> Any:
    """The rule's answer, or the HTTP status of the error it raises."""
    try:
        return call()
    except DomainError as error:
        return error.status


def history(p: Principal, status: Status) -> Any:
    """The history rule as the route applies it: a token first, then the view or 403."""
    return verdict(lambda: require_history_caller(p) or history_view(p, target(status)))


F, P, N = View.FULL, View.PUBLIC, View.NONE
# principal: (view pending, view verified, may update, history pending, history verified)
MATRIX: dict[str, tuple[View, View, bool, Any, Any]] = {
    "anonymous": (N, P, False, 401, 401),
    "app": (N, P, False, 403, 403),
    "council": (P, P, False, P, P),
    "other_council": (N, P, False, 403, 403),
    "itself": (F, F, True, F, F),
    "other_enterprise": (N, P, False, 403, 403),
    "registrar": (F, F, True, F, F),
}


@pytest.mark.parametrize(("who", "expected"), MATRIX.items(), ids=list(MATRIX))
def test_each_rule_answers_each_principal_as_the_access_table_says(
    who: str, expected: tuple[View, View, bool, Any, Any]
) -> None:
    p = PRINCIPALS[who]
    got = (
        view_of(p, target(Status.PENDING)),
        view_of(p, target(Status.VERIFIED)),
        may_update(p, target(Status.PENDING)) and may_update(p, target(Status.VERIFIED)),
        history(p, Status.PENDING),
        history(p, Status.VERIFIED),
    )
    assert got == expected


@pytest.mark.parametrize("status", [Status.SUSPENDED, Status.DISSOLVED, Status.REJECTED])
def test_a_record_out_of_public_view_shows_only_to_itself_its_council_and_the_registrar(
    status: Status,
) -> None:
    seen = {who: view_of(p, target(status)) for who, p in PRINCIPALS.items()}
    public = status is not Status.REJECTED
    expected = dict.fromkeys(PRINCIPALS, P if public else N)
    assert seen == expected | {"council": P, "itself": F, "registrar": F}


def test_the_unbound_client_that_registered_it_is_the_enterprise_itself() -> None:
    creator = principal("enterprise", ENTERPRISE_SCOPES)
    owned = Ownership(
        id=EID, status=Status.PENDING, owner_client_id="c-enterprise", registered_by_org=None
    )
    assert view_of(creator, owned) is F
    assert may_update(creator, owned)
    assert history_view(creator, owned) is F


def test_the_enterprise_itself_without_the_write_scope_reads_but_does_not_update() -> None:
    read_only = principal("enterprise", "outcomes:report", enterprise_id=EID)
    assert view_of(read_only, target(Status.VERIFIED)) is F
    assert not may_update(read_only, target(Status.VERIFIED))
