"""Test helpers: commissioning's contract events, built exactly as EVENTS.md describes them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from streetlevel.common.events import TYPE_PREFIX, Envelope
from streetlevel.common.ids import new_id
from streetlevel.common.outbox import OutboxMessage

GEOGRAPHY = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "geography"
BLACKPOOL_AREAS = GEOGRAPHY / "areas_blackpool.csv"
BUYER = "GB-LAE-BPL"
ANCHORSHOLME, BISPHAM = "E05015186", "E05015187"
LSOA_A, LSOA_B = "E01012663", "E01012664"  # both in Anchorsholme
LSOA_C = "E01012666"  # in Bispham


def contract_created_data(contract_id: str, supplier_id: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "contract_id": contract_id,
        "commission_id": str(new_id()),
        "ocid": "ocds-sl0001-" + contract_id[:8],
        "buyer": {"id": BUYER, "name": "Blackpool Council"},
        "supplier": {"enterprise_id": supplier_id, "name": "Anchorsholme Works CIC"},
        "lot": {
            "id": str(new_id()),
            "title": "Into work in north Blackpool",
            "areas": [ANCHORSHOLME, BISPHAM],
            "outcomes": [
                {"indicator_code": "jobs.local_hires", "target": "12"},
                {"indicator_code": "health.wellbeing_improved", "target": "20"},
            ],
        },
        "rate_card": [
            {
                "indicator_code": "jobs.local_hires",
                "price_per_unit": {"amount": "500.00", "currency": "GBP"},
                "max_units": 20,
            },
            {
                "indicator_code": "skills.training_hours",
                "price_per_unit": {"amount": "10.00", "currency": "GBP"},
                "max_units": 400,
            },
        ],
        "period": {"start": "2026-01-01", "end": "2026-12-31"},
        "value": {"amount": "20000.00", "currency": "GBP"},
        "payment_model": "blended",
    }
    data.update(overrides)
    return data


def contract_event(
    kind: str, contract_id: str, data: dict[str, Any], *, sequence: int = 1
) -> Envelope:
    """A ``commissioning.contract.<kind>.v1`` envelope."""
    return Envelope(
        id=str(new_id()),
        source="/streetlevel/commissioning",
        type=f"{TYPE_PREFIX}commissioning.contract.{kind}.v1",
        subject=f"contract/{contract_id}",
        time=datetime(2026, 11, 23, 12, tzinfo=UTC),
        sequence=str(sequence),
        data=data,
    )


def enterprise_event(enterprise_id: str, name: str, *, sequence: int = 1) -> Envelope:
    return Envelope(
        id=str(new_id()),
        source="/streetlevel/registry",
        type=f"{TYPE_PREFIX}registry.enterprise.updated.v1",
        subject=f"enterprise/{enterprise_id}",
        time=datetime(2026, 11, 23, 12, tzinfo=UTC),
        sequence=str(sequence),
        data={"id": enterprise_id, "name": name, "changed_fields": ["name"]},
    )


def message(topic: str, key: str, envelope: Envelope) -> OutboxMessage:
    """An outbox message as another service's relay would hand it to the bus."""
    return OutboxMessage(
        id=0,
        topic=topic,
        key=key,
        event_id=envelope.id,
        event_type=envelope.type,
        value=envelope.to_json(),
    )


#: Codes the tests' registry publishes (a sample of its vocabulary, as the events carry it).
THEMES = ("community-cohesion", "employment-skills", "health-wellbeing", "environment")


def theme_event(code: str, *, kind: str = "defined", sequence: int = 1) -> Envelope:
    """A ``registry.theme.<kind>.v1`` envelope, as the registry publishes one per code."""
    data: dict[str, Any] = {"code": code}
    if kind == "defined":
        data |= {"name": code.replace("-", " ").capitalize(), "description": code}
    return Envelope(
        id=str(new_id()),
        source="/streetlevel/registry",
        type=f"{TYPE_PREFIX}registry.theme.{kind}.v1",
        subject=f"theme/{code}",
        time=datetime(2026, 11, 23, 12, tzinfo=UTC),
        sequence=str(sequence),
        data=data,
    )
