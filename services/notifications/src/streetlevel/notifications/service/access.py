"""Who may manage a webhook and who may see an event: its owner, and a private event's audience."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.auth import Principal
from streetlevel.common.errors import Unauthorized
from streetlevel.notifications.adapters.subscription_repository import SubscriptionRepository
from streetlevel.notifications.domain.errors import UnknownSubscription
from streetlevel.notifications.domain.subscriptions import Subscription


def owner_of(principal: Principal) -> str:
    """The audience key a principal's webhooks belong to: its council, its enterprise, or itself."""
    if principal.is_anonymous:
        raise Unauthorized("This operation needs a bearer token.")
    if principal.org:
        return f"org:{principal.org}"
    if principal.enterprise_id:
        return f"enterprise:{principal.enterprise_id}"
    return f"client:{principal.client_id}"


def audiences_of(principal: Principal) -> frozenset[str]:
    """Every audience whose private events this principal may read."""
    if principal.is_anonymous:
        return frozenset()
    keys = {f"client:{principal.client_id}"}
    if principal.org:
        keys.add(f"org:{principal.org}")
    if principal.enterprise_id:
        keys.add(f"enterprise:{principal.enterprise_id}")
    return frozenset(keys)


def may_manage(principal: Principal, subscription: Subscription) -> bool:
    return not principal.is_anonymous and subscription.owner == owner_of(principal)


def may_see(principal: Principal, audience: str | None) -> bool:
    """Public events: any client; private ones: only the principal they concern."""
    if principal.is_anonymous:
        return False
    return audience is None or audience in audiences_of(principal)


async def owned_or_404(
    session: AsyncSession, principal: Principal, webhook_id: str
) -> Subscription:
    """Another principal's webhook is as unknown as a missing one (no existence oracle)."""
    subscription = await SubscriptionRepository(session).get(webhook_id)
    if subscription is None or not may_manage(principal, subscription):
        raise UnknownSubscription(f"No webhook {webhook_id}.")
    return subscription
