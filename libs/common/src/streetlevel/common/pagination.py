"""Opaque keyset cursors and the list envelope of API.md."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

import orjson

from streetlevel.common.errors import ValidationProblem

if TYPE_CHECKING:
    from starlette.requests import Request

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(values: dict[str, Any]) -> str:
    """An opaque cursor for the position after the row with these sort-key ``values``."""
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """The sort-key values in ``cursor``; a tampered cursor is a 422, never a 500."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise ValidationProblem(
            "The cursor is not valid.",
            [{"loc": ["query", "cursor"], "msg": "invalid cursor", "type": "value_error"}],
        ) from exc
    if not isinstance(value, dict):
        raise ValidationProblem(
            "The cursor is not valid.",
            [{"loc": ["query", "cursor"], "msg": "invalid cursor", "type": "value_error"}],
        )
    return value


def check_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationProblem(
            f"limit must be between 1 and {MAX_LIMIT}.",
            [
                {
                    "loc": ["query", "limit"],
                    "msg": f"must be between 1 and {MAX_LIMIT}",
                    "type": "value_error",
                }
            ],
        )
    return limit


def public_url(request: Request) -> str:
    """The request's URL as the world reaches it: the platform's public base URL + path + query.

    Behind the gateway a service sees its own host; clients must get links under the one
    configured base (``app.state.public_base_url``, set from the settings).
    """
    base = getattr(request.app.state, "public_base_url", None)
    if not base:
        return str(request.url)
    query = request.url.query
    return f"{base}{request.url.path}" + (f"?{query}" if query else "")


def link_header(url: str, next_cursor: str | None) -> dict[str, str]:
    """``Link: <…>; rel="next"`` for the next page of ``url`` (a full request URL)."""
    if next_cursor is None:
        return {}
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "cursor"]
    query.append(("cursor", next_cursor))
    return {"Link": f'<{urlunsplit(parts._replace(query=urlencode(query)))}>; rel="next"'}
