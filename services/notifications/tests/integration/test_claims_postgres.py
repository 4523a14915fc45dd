"""The delivery queue on PostgreSQL: two workers never claim the same delivery at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from streetlevel.common.db import session_factory
from streetlevel.notifications.adapters.deliveries import Due, claim_due, enqueue, store_event
from streetlevel.notifications.adapters.subscription_repository import SubscriptionRepository
from streetlevel.notifications.domain.subscriptions import Filters, Subscription
from streetlevel.notifications.migrate import upgrade

NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)
pytestmark = pytest.mark.integration


async def test_concurrent_claims_skip_each_others_rows_and_claimed_rows_come_back(
    pg_database_factory: Callable[..., Awaitable[str]],
) -> None:
    url = await pg_database_factory()
    await asyncio.to_thread(upgrade, url)
    engine = create_async_engine(url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            sub = Subscription.create(
                id="w-1",
                owner="org:GB-LAE-BPL",
                url="https://example.org/h",
                filters=Filters(),
                description="",
                now=NOW,
            )
            await SubscriptionRepository(session).add(sub)
            for n in range(6):
                position = await store_event(
                    session,
                    event_id=f"e-{n}",
                    type="org.streetlevel.test.v1",
                    audience=None,
                    time=NOW,
                    body=b"{}",
                    received_at=NOW,
                )
                await enqueue(
                    session,
                    position=position,
                    msg_id=f"msg_e-{n}",
                    subscription_ids=["w-1"],
                    now=NOW,
                )

        def claim(session: AsyncSession, limit: int) -> Awaitable[list[Due]]:
            return claim_due(
                session,
                now=NOW,
                limit=limit,
                room=lambda _sid: 10,
                busy=(),
                claim_for=timedelta(seconds=60),
                skip_locked=True,
            )

        async with sessions() as first, first.begin():
            taken_first = await claim(first, 3)
            async with sessions() as second, second.begin():
                taken_second = await claim(second, 10)  # the first's rows are locked: skipped
        assert len(taken_first) == 3
        assert len(taken_second) == 3
        assert {d.id for d in taken_first}.isdisjoint({d.id for d in taken_second})
        async with sessions() as third, third.begin():
            assert await claim(third, 10) == []  # all claimed for a minute
        async with sessions() as later, later.begin():
            again = await claim_due(
                later,
                now=NOW + timedelta(seconds=61),
                limit=10,
                room=lambda _sid: 10,
                busy=(),
                claim_for=timedelta(seconds=60),
                skip_locked=True,
            )
        assert len(again) == 6  # unanswered claims come back: nothing is lost
    finally:
        await engine.dispose()
