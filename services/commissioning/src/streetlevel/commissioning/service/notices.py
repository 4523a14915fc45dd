"""Published notices: into the open data and the submission queue; the council's account of them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.notice_parts import notice_release_id
from streetlevel.commissioning.adapters.notice_releases import render_notice
from streetlevel.commissioning.adapters.notice_submission_repository import (
    NoticeSubmissionRepository,
)
from streetlevel.commissioning.domain.events import NoticePublished
from streetlevel.commissioning.domain.notice_submission import NoticeSubmission
from streetlevel.commissioning.service.access import require_notice_owner
from streetlevel.commissioning.service.context import Services
from streetlevel.common.auth import Principal
from streetlevel.common.events import Envelope

NOTICE_EVENT = NoticePublished.event_type


class NoticePublisher(Protocol):
    """Takes a queued notice on towards Find a Tender, in the consumer's transaction.

    An automatic publisher (a Find a Tender API client) would submit it and record the
    reference; the default leaves it for the council's account.
    """

    async def publish(
        self, session: AsyncSession, notice: NoticePublished, submission: NoticeSubmission
    ) -> None: ...


class SubmissionQueue:
    """The default publisher: the notice stays queued until the council records its submission."""

    async def publish(
        self, session: AsyncSession, notice: NoticePublished, submission: NoticeSubmission
    ) -> None:
        return None


async def apply_notice(
    services: Services,
    session: AsyncSession,
    envelope: Envelope,
    publisher: NoticePublisher | None = None,
) -> None:
    """A NoticePublished from the service's own outbox: its OCDS release, then the publisher."""
    if envelope.short_type != NOTICE_EVENT:
        return
    notice = NoticePublished.model_validate(envelope.data)
    if await NoticeSubmissionRepository(session).get(notice.notice_id) is not None:
        return  # already applied (the inbox dedupes by event id; this covers a re-emission)
    c = orm.commissions
    row = (
        await session.execute(select(c.c.ocid, c.c.buyer_id).where(c.c.id == notice.commission_id))
    ).first()
    if row is None:  # never for our own events: park it rather than publish an orphan
        raise LookupError(f"notice {notice.notice_id}: no commission {notice.commission_id}")
    ocid, buyer_id = row
    release = render_notice(
        notice.model_dump(mode="json"), ocid=ocid, base_url=services.settings.public_base_url
    )
    release_id = notice_release_id(ocid, notice.notice_id)
    await session.execute(
        insert(orm.releases).values(
            release_id=release_id,
            ocid=ocid,
            buyer_id=buyer_id,
            date=notice.published_at,
            document=release,
        )
    )
    submission = NoticeSubmission(
        notice_id=notice.notice_id,
        notice_type=notice.notice_type,
        commission_id=notice.commission_id,
        contract_id=notice.contract_id,
        buyer_id=buyer_id,
        release_id=release_id,
        published_at=notice.published_at,
    )
    # Every notice is indexed (and listed) whatever the publisher does with it.
    await NoticeSubmissionRepository(session).add(submission)
    await (publisher or SubmissionQueue()).publish(session, notice, submission)


async def record_submitted(
    services: Services, principal: Principal, notice_id: str, *, reference: str
) -> NoticeSubmission:
    """The council's account submitted the notice to Find a Tender under ``reference``."""
    return await _change(services, principal, notice_id, reference=reference)


async def record_outcome(
    services: Services,
    principal: Principal,
    notice_id: str,
    *,
    accepted: bool,
    reason: str | None,
) -> NoticeSubmission:
    """Find a Tender accepted the notice, or rejected it with a reason."""
    return await _change(services, principal, notice_id, accepted=accepted, reason=reason)


async def _change(
    services: Services,
    principal: Principal,
    notice_id: str,
    *,
    reference: str | None = None,
    accepted: bool | None = None,
    reason: str | None = None,
) -> NoticeSubmission:
    async with services.uow() as uow:
        repo = NoticeSubmissionRepository(uow.session)
        submission = await repo.get(notice_id, lock=True)
        require_notice_owner(principal, submission)
        assert submission is not None
        now: datetime = uow.clock.now()
        if accepted is None:
            submission.submitted(reference=reference or "", now=now)
        else:
            submission.decided(accepted=accepted, reason=reason, now=now)
        await repo.save(submission)
        await uow.commit()
    return submission
