"""Grant instalments on the payables ledger: raised at award, paid once by the grant's council.

Both payment routes (``POST /v1/payables/{id}/pay`` and the grant's
``POST /v1/grants/{id}/instalments/{no}/paid``) come here, so the payable and the grant's
schedule change together in one unit of work and nothing is paid twice (docs/grants.md).
"""

from __future__ import annotations

from datetime import date, datetime

from streetlevel.commissioning.adapters.grant_repository import GrantRepository
from streetlevel.commissioning.adapters.payable_repository import PayableRepository
from streetlevel.commissioning.domain.grants import Grant
from streetlevel.commissioning.domain.payables import Basis, Payable
from streetlevel.commissioning.domain.schedule import due_date
from streetlevel.common.ids import new_id
from streetlevel.common.uow import UnitOfWork


def instalment_source(no: int) -> str:
    return f"instalment:{no}"


async def raise_grant_payables(uow: UnitOfWork, grant: Grant, *, now: datetime) -> list[Payable]:
    """Each instalment a payable, received on its date and due the grant's term later."""
    repo = PayableRepository(uow.session)
    raised = []
    for i in grant.instalments:
        payable = Payable(
            id=str(new_id()),
            grant_id=grant.id,
            buyer_id=grant.council_id,
            supplier_id=grant.recipient_id,
            basis=Basis.GRANT,
            source=instalment_source(i.no),
            description=f"Grant instalment {i.no} of {len(grant.instalments)}, "
            f"scheduled {i.due_on.isoformat()}",
            amount=i.amount,
            received_on=i.due_on,
            due_on=due_date(i.due_on, grant.payment_terms_days),
            created_at=now,
            updated_at=now,
        )
        payable.raise_()
        await repo.add(payable)
        uow.track(payable)
        raised.append(payable)
    grant.payables = raised
    return raised


async def pay_grant_payable(
    uow: UnitOfWork,
    grant: Grant,
    payable: Payable,
    *,
    paid_on: date,
    reference: str,
    now: datetime,
) -> None:
    """Pay the payable and mark its instalment paid (409 when either already is)."""
    no = int(payable.source.removeprefix("instalment:"))
    payable.pay(paid_on=paid_on, reference=reference, today=now.date(), now=now)
    grant.mark_paid(no, paid_on=paid_on, reference=reference, now=now)
    grant.payables = [payable if p.id == payable.id else p for p in grant.payables]
    await PayableRepository(uow.session).save(payable)
    await GrantRepository(uow.session).save_grant(grant)
    uow.track(payable, grant)
