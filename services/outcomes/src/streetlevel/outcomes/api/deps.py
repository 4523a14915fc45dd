"""Dependencies of the routes: service state, read sessions, the caller's role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.auth import Principal
from streetlevel.common.errors import NotFound
from streetlevel.common.etags import version_tag
from streetlevel.outcomes.adapters.repository import ContractRepository
from streetlevel.outcomes.domain.plans import ContractTerms
from streetlevel.outcomes.state import Outcomes

Role = Literal["buyer", "supplier", "public"]
LICENCE = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


async def get_outcomes(request: Request) -> Outcomes:
    outcomes: Outcomes = request.app.state.outcomes
    return outcomes


OutcomesDep = Annotated[Outcomes, Depends(get_outcomes)]


async def read_session(outcomes: OutcomesDep) -> AsyncIterator[AsyncSession]:
    """A read-only session (no unit of work: reads never write)."""
    async with outcomes.runtime.sessions() as session:
        yield session


Session = Annotated[AsyncSession, Depends(read_session)]


def role_of(principal: Principal, contract: ContractTerms) -> Role:
    """Buyer: the token's org is the contract's buyer; supplier: its enterprise supplies it."""
    if contract.is_buyer(principal.org):
        return "buyer"
    if contract.is_supplier(principal.enterprise_id):
        return "supplier"
    return "public"


async def contract_or_404(session: AsyncSession, contract_id: str) -> ContractTerms:
    contract = await ContractRepository(session).get(contract_id)
    if contract is None:
        raise NotFound(f"No contract {contract_id}.")
    return contract


def version_etag(version: int, role: Role) -> str:
    """An ETag per version and representation (the public one shows less)."""
    return version_tag(version, "public" if role == "public" else None)
