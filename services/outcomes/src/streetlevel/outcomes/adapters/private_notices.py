"""Private notices: each observation event becomes a notice to the principal who must act on it.

A consumer of the service's own internal observation topic, so the use cases stay unchanged:
the notice goes through the outbox in the consumer's transaction (inbox: once per event).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.events import Envelope, PendingEvent, envelope_for
from streetlevel.common.inbox import Handler
from streetlevel.common.outbox import notify_channel, outbox_insert, write_outbox
from streetlevel.common.uow import EventWriter
from streetlevel.outcomes.adapters.repository import ContractRepository
from streetlevel.outcomes.domain.events import (
    ObservationAwaitingVerification,
    ObservationNotice,
    ObservationVerificationDecided,
)

CONSUMER_GROUP = "outcomes-private"
DECISIONS = {"verified", "rejected"}
#: What a notice repeats of its observation: never the observed figure.
FIELDS = ("observation_id", "plan_id", "contract_id", "indicator_code", "period", "area")


def notice_handler(*, writer: EventWriter) -> Handler:
    """Reported → a notice to the buyer council; verified or rejected → one to the supplier."""
    insert = outbox_insert(
        writer.outbox, notify=notify_channel(writer.service) if writer.is_postgres else None
    )

    async def handle(session: AsyncSession, event: Envelope) -> None:
        kind = event.short_type.removeprefix("outcomes.observation.").removesuffix(".v1")
        if kind != "reported" and event.data.get("decision") not in DECISIONS:
            return
        contract = await ContractRepository(session).get(str(event.data["contract_id"]))
        if contract is None:
            return
        fields = {k: event.data[k] for k in FIELDS}
        notice: ObservationNotice
        if kind == "reported":
            notice, audience = ObservationAwaitingVerification(**fields), f"org:{contract.buyer_id}"
        else:
            notice = ObservationVerificationDecided(**fields, decision=event.data["decision"])
            audience = f"enterprise:{contract.supplier_id}"
        pending = PendingEvent(
            payload=notice, subject=event.subject, key=contract.id, sequence=event.seq
        )
        envelope = envelope_for(
            pending,
            source=writer.source,
            time=writer.clock.now(),
            causation_id=event.id,
            base_url=writer.base_url,
        )
        private = Envelope(**envelope.model_dump(), audience=audience)
        await write_outbox(session, insert, [(notice.topic, contract.id, private)], writer.clock)

    return handle
