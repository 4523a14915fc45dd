"""Time-ordered identifiers (UUIDv7) so that ids sort by creation and index well."""

from __future__ import annotations

import uuid

import uuid6


def new_id() -> uuid.UUID:
    """A new UUIDv7 as a standard-library UUID."""
    return uuid.UUID(bytes=uuid6.uuid7().bytes)
