"""The access matrix of service/access.py: each rule × each principal, called directly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streetlevel.common.auth import Principal
from streetlevel.common.errors import Unauthorized
from streetlevel.notifications.domain.subscriptions import Filters, Subscription
from streetlevel.notifications.service.access import audiences_of, may_manage, may_see, owner_of
from streetlevel.testing.tokens import access_principals

BUYER, ENTERPRISE = "GB-LAE-BPL", "e-supplier"
PRINCIPALS: dict[str, Principal] = access_principals(ENTERPRISE, BUYER)
NOW = datetime(2026, 7, 1, tzinfo=UTC)


def webhook_of(owner: str) -> Subscription:
    return Subscription.create(
        id="w-1",
        owner=owner,
        url="https://example.org/h",
        filters=Filters(),
        description="",
        now=NOW,
    )


OWNERS = {
    "app": "client:c-app",
    "council": f"org:{BUYER}",
    "other_council": "org:GB-LAE-FYL",
    "itself": f"enterprise:{ENTERPRISE}",
    "other_enterprise": "enterprise:e-other",
    "registrar": "client:c-registrar",
}
# Which principal may manage the council's webhook, and see each audience's private events.
MANAGE_COUNCIL_HOOK = {"council"}
SEES = {
    f"org:{BUYER}": {"council"},
    f"enterprise:{ENTERPRISE}": {"itself"},
    None: {"app", "council", "other_council", "itself", "other_enterprise", "registrar"},
}


@pytest.mark.parametrize(("who", "owner"), OWNERS.items(), ids=list(OWNERS))
def test_each_principal_owns_webhooks_under_its_council_enterprise_or_client(
    who: str, owner: str
) -> None:
    assert owner_of(PRINCIPALS[who]) == owner
    assert owner in audiences_of(PRINCIPALS[who])


def test_anonymous_callers_own_nothing_and_see_nothing() -> None:
    with pytest.raises(Unauthorized):
        owner_of(PRINCIPALS["anonymous"])
    assert audiences_of(PRINCIPALS["anonymous"]) == frozenset()
    assert not may_see(PRINCIPALS["anonymous"], None)
    assert not may_manage(PRINCIPALS["anonymous"], webhook_of(f"org:{BUYER}"))


@pytest.mark.parametrize("who", list(PRINCIPALS), ids=list(PRINCIPALS))
def test_only_the_owner_manages_a_webhook(who: str) -> None:
    assert may_manage(PRINCIPALS[who], webhook_of(f"org:{BUYER}")) == (who in MANAGE_COUNCIL_HOOK)


@pytest.mark.parametrize("who", list(PRINCIPALS), ids=list(PRINCIPALS))
@pytest.mark.parametrize("audience", list(SEES), ids=[str(a) for a in SEES])
def test_a_private_event_is_seen_by_its_audience_only(who: str, audience: str | None) -> None:
    assert may_see(PRINCIPALS[who], audience) == (who in SEES[audience])
