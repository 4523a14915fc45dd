"""Standard Webhooks signatures: ``v1,`` base64 HMAC-SHA256 over ``id.timestamp.body``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format, not a secret
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh ``whsec_`` secret (base64 of 32 random bytes, as the specification suggests)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<signature>`` entry of the ``webhook-signature`` header."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.digest(secret_key(secret), content, hashlib.sha256)  # one call, no object
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets_in_force: list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """Space-separated signatures, one per valid secret (both while a rotation overlaps)."""
    return " ".join(sign(s, msg_id, timestamp, body) for s in secrets_in_force)


def headers(
    secrets_in_force: list[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets_in_force, msg_id, timestamp, body),
    }
