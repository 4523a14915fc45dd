"""The feed's defence in depth: private fields and internal types never get stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streetlevel.common.events import Envelope
from streetlevel.gateway.feed import PrivateDataRefused, private_fields, store_event


def envelope(type_: str, data: dict) -> Envelope:
    return Envelope(
        id="e1",
        source="/streetlevel/registry",
        type=type_,
        subject="enterprise/1",
        time=datetime(2026, 11, 23, tzinfo=UTC),
        sequence="1",
        data=data,
    )


def test_contacts_turnover_and_a_sole_traders_address_are_private() -> None:
    data = {
        "enterprise": {
            "legal_form": "sole_trader",
            "address": {"town": "Blackpool"},
            "contact": {"email": "a@b.example"},
            "annual_turnover": {"amount": "1.00", "currency": "GBP"},
        }
    }
    assert private_fields(data) == [
        "data.enterprise.address",
        "data.enterprise.contact",
        "data.enterprise.annual_turnover",
    ]


def test_an_incorporated_bodys_address_is_public() -> None:
    data = {"enterprise": {"legal_form": "cic_limited_by_guarantee", "address": {"town": "X"}}}
    assert private_fields(data) == []


async def test_the_writer_refuses_private_fields_and_internal_types() -> None:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    leaky = envelope("org.streetlevel.registry.enterprise.registered.v1", {"contact": {}})
    with pytest.raises(PrivateDataRefused):
        await store_event(None, leaky, stored_at=now)  # type: ignore[arg-type]
    internal = envelope("org.streetlevel.outcomes.observation.reported.v1", {})
    with pytest.raises(PrivateDataRefused):
        await store_event(None, internal, stored_at=now)  # type: ignore[arg-type]
