"""The platform's one ETag scheme and its preconditions (docs/http.md); pure: no framework."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import orjson

from streetlevel.common.errors import PreconditionFailed

_VERSION = re.compile(r'^"v(\d+)(?:-[a-z]+)?"$')


def version_tag(version: int, view: str | None = None) -> str:
    """``"v7"`` for a versioned resource; ``"v7-public"`` when a restricted view is served."""
    return f'"v{version}-{view}"' if view else f'"v{version}"'


def digest_tag(payload: Any) -> str:
    """``"<32 hex>"``: SHA-256 of the representation's bytes (or of ``payload`` as JSON)."""
    raw = payload if isinstance(payload, bytes | bytearray | memoryview) else orjson.dumps(payload)
    return '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def _members(header: str) -> list[str]:
    # Entity tags hold no commas in this scheme, so a plain split is exact for our own tags.
    return [m for m in (part.strip() for part in header.split(",")) if m]


def none_match(header: str | None, tag: str | None) -> bool:
    """Whether ``If-None-Match`` matches ``tag`` (weak comparison, RFC 9110 §13.1.2)."""
    if header is None or tag is None:
        return False
    members = _members(header)
    if "*" in members:
        return True
    current = _opaque(tag)
    return any(_opaque(m) == current for m in members)


def match(header: str | None, tag: str) -> bool:
    """Whether ``If-Match`` (absent: no precondition) admits the current ``tag``.

    A ``W/`` marker is ignored: the platform sends only strong tags, and a client (or a cache)
    that weakened one still names the same state of the resource (docs/http.md).
    """
    if header is None:
        return True
    members = _members(header)
    return "*" in members or _opaque(tag) in {_opaque(m) for m in members}


def require_match(header: str | None, tag: str) -> None:
    """Raise 412 ``precondition-failed`` unless ``If-Match`` admits ``tag``."""
    if not match(header, tag):
        raise PreconditionFailed(f"The resource is at {tag}; If-Match was {header}.")


def expected_version(header: str | None) -> int | None:
    """The version ``If-Match`` names (None: no precondition, or ``*``); 412 if it names none.

    For use cases that compare the version inside their own transaction.
    """
    if header is None:
        return None
    members = _members(header)
    if "*" in members:
        return None
    versions = {int(m.group(1)) for t in members if (m := _VERSION.match(_opaque(t)))}
    if len(versions) != 1:
        raise PreconditionFailed("If-Match does not name one version of this resource.")
    return versions.pop()
