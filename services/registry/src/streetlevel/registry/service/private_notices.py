"""Private notices: the registrar's verification decision, to the enterprise it concerns."""

from __future__ import annotations

from streetlevel.common.events import Envelope, PendingEvent
from streetlevel.common.uow import UnitOfWork
from streetlevel.registry.domain.events import VerificationDecided

DECISIONS = {
    "registry.enterprise.verified.v1": "verified",
    "registry.enterprise.rejected.v1": "rejected",
}


async def notify_verification(*, uow: UnitOfWork, event: Envelope) -> None:
    """Verified or rejected on the open register → a notice to that enterprise alone."""
    decision = DECISIONS.get(event.short_type)
    if decision is None:
        return
    enterprise_id = str(event.data["enterprise"]["id"])
    async with uow:
        uow.emit(
            PendingEvent(
                payload=VerificationDecided(
                    enterprise_id=enterprise_id,
                    decision=decision,
                    note=event.data.get("note"),
                ),
                subject=event.subject,
                key=enterprise_id,
                sequence=event.seq,
                audience=f"enterprise:{enterprise_id}",
            )
        )
        await uow.commit()
