"""Who may see and change a contract's plan, observations and reports (API.md's access table)."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.auth import Principal
from streetlevel.common.errors import NotFound
from streetlevel.outcomes.adapters.contract_repository import ContractRepository
from streetlevel.outcomes.domain.plans import ContractTerms

Role = Literal["buyer", "supplier", "public"]


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
