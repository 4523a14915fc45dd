"""A commission's contracts and their payment timeline, as the public API publishes them."""

from __future__ import annotations

import asyncio
from typing import Any

from streetlevel.web.gateway import GatewayClient

#: Lists the site reads are short (as in views).
LIST_LIMIT = 200


async def timeline(gw: GatewayClient, commission_id: str) -> list[dict[str, Any]]:
    """Per contract: the fixed part's schedule and the period totals under disclosure control."""
    contracts = await gw.get("/v1/contracts", commission_id=commission_id, limit=LIST_LIMIT)

    async def one(contract: dict[str, Any]) -> dict[str, Any]:
        payables, payments = await asyncio.gather(
            gw.get(f"/v1/contracts/{contract['id']}/payables"),
            gw.get(f"/v1/contracts/{contract['id']}/payments"),
        )
        return {"contract": contract, "payables": payables, "payments": payments}

    return list(await asyncio.gather(*(one(c) for c in contracts["items"])))
