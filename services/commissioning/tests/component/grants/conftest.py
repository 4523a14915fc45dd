"""Ward grant fixtures: a programme helper and the offline 360Giving validator (jsonschema)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from streetlevel.common.ids import new_id
from streetlevel.testing.giving360 import validator_360

WARD = "E05015186"


def _standards() -> Path:
    here = Path(__file__).resolve()
    root = next(p for p in here.parents if (p / "uv.lock").exists())
    return root.parent / "shared" / "standards" / "360giving"


@pytest.fixture(scope="session")
def validate_360() -> Callable[[dict[str, Any]], list[str]]:
    """The standards README's recipe: the package schema, the grant schema registered by URL."""
    return validator_360(_standards())


def programme_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Anchorsholme ward fund",
        "description": "Small grants for neighbourhood projects",
        "areas": [WARD],
        "criteria": ["Benefits residents of the ward", "Run by local people"],
        "budget": {"amount": "5000.00"},
        "max_grant": {"amount": "1500.00"},
        "council_name": "Blackpool Council",
    }
    body.update(overrides)
    return body


async def open_programme(h: Any, **overrides: Any) -> dict[str, Any]:
    r = await h.client.post(
        "/v1/grant-programmes", json=programme_body(**overrides), headers=h.council()
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def group(h: Any, name: str, **fields: Any) -> str:
    """A verified community group in the registry read model."""
    eid = str(new_id())
    await h.enterprise(h.record(eid, name, **fields))
    return eid


async def apply(h: Any, programme_id: str, eid: str, amount: str, **extra: Any) -> dict[str, Any]:
    body = {
        "programme_id": programme_id,
        "amount_requested": {"amount": amount},
        "purpose": f"Planters and a street party ({amount})",
        "people_reached": 120,
        **extra,
    }
    r = await h.client.post("/v1/grant-applications", json=body, headers=h.bidder(eid))
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.fixture(scope="session")
def grants_kit() -> SimpleNamespace:
    return SimpleNamespace(
        ward=WARD,
        programme_body=programme_body,
        open_programme=open_programme,
        group=group,
        apply=apply,
    )
