"""One OpenAPI 3.1 document: the gateway's routes plus every service's, with security schemes."""

from __future__ import annotations

import copy
import time
from collections.abc import Awaitable, Callable
from typing import Any

from streetlevel.common.openapi import with_problem_responses
from streetlevel.gateway.identity.clients import ALL_SCOPES

SpecSource = Callable[[], Awaitable[dict[str, Any]]]

#: Scopes of operations whose requirement API.md states (others: optional or owner checks).
KNOWN_SCOPES: dict[tuple[str, str], str] = {
    ("post", "/v1/enterprises"): "registry:write",
    ("post", "/v1/enterprises/{id}/verification"): "registry:verify",
    ("post", "/v1/enterprises/{id}/suspension"): "registry:verify",
    ("post", "/v1/enterprises/{id}/reinstatement"): "registry:verify",
    ("post", "/v1/enterprises/{id}/dissolution"): "registry:verify",
    ("post", "/v1/commissions"): "commissioning:write",
    ("post", "/v1/commissions/{id}/publish"): "commissioning:write",
    ("post", "/v1/commissions/{id}/cancel"): "commissioning:write",
    ("post", "/v1/commissions/{id}/bids"): "commissioning:bid",
    ("put", "/v1/commissions/{id}/bids/{bid_id}/score"): "commissioning:evaluate",
    ("post", "/v1/commissions/{id}/lots/{lot_id}/award"): "commissioning:evaluate",
    ("post", "/v1/indicators"): "outcomes:write",
    ("post", "/v1/observations"): "outcomes:report",
    ("post", "/v1/observations/{id}/verification"): "outcomes:verify",
    ("post", "/v1/observations/{id}/verification-withdrawal"): "outcomes:verify",
    ("post", "/v1/admin/clients"): "admin",
    ("get", "/v1/admin/clients"): "admin",
    ("get", "/v1/admin/clients/{client_id}"): "admin",
    ("delete", "/v1/admin/clients/{client_id}"): "admin",
    ("post", "/v1/admin/clients/{client_id}/secret"): "admin",
    ("post", "/v1/admin/councils"): "admin",
    ("get", "/v1/admin/councils"): "admin",
}
PUBLIC_PATHS = ("/oauth/token", "/.well-known/jwks.json", "/openapi.json", "/docs")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _normalise(path: str) -> str:
    # Services name their path parameters freely; compare templates by shape.
    import re

    return re.sub(r"\{[^}]+\}", "{}", path)


_KNOWN = {(m, _normalise(p)): s for (m, p), s in KNOWN_SCOPES.items()}


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                name = value.rsplit("/", 1)[-1]
                if value.startswith("#/components/schemas/") and name in renames:
                    value = "#/components/schemas/" + renames[name]
            out[key] = _rename_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rename_refs(item, renames) for item in node]
    return node


def merge(
    gateway: dict[str, Any], services: dict[str, tuple[tuple[str, ...], dict[str, Any]]]
) -> dict[str, Any]:
    """Merge service documents (name → (prefixes, document)) into the gateway's."""
    doc = copy.deepcopy(gateway)
    doc["openapi"] = "3.1.0"
    paths: dict[str, Any] = doc.setdefault("paths", {})
    schemas: dict[str, Any] = doc.setdefault("components", {}).setdefault("schemas", {})
    tags = {t["name"]: t for t in doc.get("tags", [])}
    for name, (prefixes, spec) in sorted(services.items()):
        own = spec.get("components", {}).get("schemas", {})
        renames = {
            key: f"{name.capitalize()}{key}"
            for key, value in own.items()
            if key in schemas and schemas[key] != value
        }
        spec = _rename_refs(spec, renames)
        for key, value in spec.get("components", {}).get("schemas", {}).items():
            schemas[renames.get(key, key)] = value
        for path, item in spec.get("paths", {}).items():
            if any(path == p or path.startswith(p + "/") for p in prefixes):
                paths[path] = item
        for tag in spec.get("tags", []):
            tags.setdefault(tag["name"], tag)
        tags.setdefault(name, {"name": name, "description": f"The {name} service"})
    doc["tags"] = list(tags.values())
    doc["components"]["securitySchemes"] = {
        "oauth2": {
            "type": "oauth2",
            "description": "Client credentials; tokens are EdDSA JWTs valid for 5 minutes.",
            "flows": {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": ALL_SCOPES}},
        },
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    }
    for path, item in paths.items():
        for method in METHODS:
            operation = item.get(method) if isinstance(item, dict) else None
            if not isinstance(operation, dict) or "security" in operation:
                continue
            scope = _KNOWN.get((method, _normalise(path)))
            if scope is not None:
                operation["security"] = [{"oauth2": [scope]}, {"bearer": []}]
            elif path in PUBLIC_PATHS:
                operation["security"] = [{}]
            elif method in ("get", "head"):
                # Anonymous works (open data); a token may widen what is visible.
                operation["security"] = [{}, {"oauth2": []}, {"bearer": []}]
            else:
                # Every write acts for a principal; which one may is the owner's check.
                operation["security"] = [{"oauth2": []}, {"bearer": []}]
    return with_problem_responses(doc)


class MergedOpenAPI:
    """Caches the merged document; service documents come in-process or over HTTP."""

    def __init__(
        self,
        gateway: Callable[[], dict[str, Any]],
        sources: dict[str, tuple[tuple[str, ...], SpecSource]],
        *,
        cache_s: float,
    ) -> None:
        self.gateway = gateway
        self.sources = sources
        self.cache_s = cache_s
        self._doc: dict[str, Any] | None = None
        self._at = 0.0
        self.missing: list[str] = []

    async def document(self) -> dict[str, Any]:
        now = time.monotonic()
        if self._doc is not None and now - self._at < self.cache_s and not self.missing:
            return self._doc
        docs: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {}
        missing = []
        for name, (prefixes, source) in self.sources.items():
            try:
                docs[name] = (prefixes, await source())
            except Exception:  # an unreachable service leaves its part out until it is back
                missing.append(name)
        self._doc = merge(self.gateway(), docs)
        self._at = now
        self.missing = missing
        return self._doc
