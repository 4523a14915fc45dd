"""Private notices: an observation event becomes a notice to the principal who must act on it."""

from __future__ import annotations

from streetlevel.common.events import Envelope, PendingEvent
from streetlevel.common.uow import UnitOfWork
from streetlevel.outcomes.adapters.contract_repository import ContractRepository
from streetlevel.outcomes.domain.events import (
    ObservationAwaitingVerification,
    ObservationNotice,
    ObservationVerificationDecided,
)

DECISIONS = {"verified", "rejected"}
#: What a notice repeats of its observation: never the observed figure.
FIELDS = ("observation_id", "plan_id", "contract_id", "indicator_code", "period", "area")


async def notify_observation(*, uow: UnitOfWork, event: Envelope) -> None:
    """Reported → a notice to the buyer council; verified or rejected → one to the supplier."""
    kind = event.short_type.removeprefix("outcomes.observation.").removesuffix(".v1")
    if kind != "reported" and event.data.get("decision") not in DECISIONS:
        return
    async with uow:
        contract = await ContractRepository(uow.session).get(str(event.data["contract_id"]))
        if contract is None:
            return
        fields = {k: event.data[k] for k in FIELDS}
        notice: ObservationNotice
        if kind == "reported":
            notice, audience = ObservationAwaitingVerification(**fields), f"org:{contract.buyer_id}"
        else:
            notice = ObservationVerificationDecided(**fields, decision=event.data["decision"])
            audience = f"enterprise:{contract.supplier_id}"
        uow.emit(
            PendingEvent(
                payload=notice,
                subject=event.subject,
                key=contract.id,
                sequence=event.seq,
                audience=audience,
            )
        )
        await uow.commit()
