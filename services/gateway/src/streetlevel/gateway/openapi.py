"""One OpenAPI 3.1 document: the gateway's routes plus every service's, as each declares them."""

from __future__ import annotations

import copy
import time
from collections.abc import Awaitable, Callable
from typing import Any

from streetlevel.common.openapi import (
    SCHEME,
    oauth2_scheme,
    operations,
    prune_responses,
    reference_responses,
    rename_refs,
    shared_components,
)
from streetlevel.gateway.identity.clients import ALL_SCOPES

SpecSource = Callable[[], Awaitable[dict[str, Any]]]

#: What each tag groups, in the order the documentation shows them.
TAGS: dict[str, str] = {
    "identity": "OAuth 2.0 client-credentials tokens and the keys that verify them.",
    "enterprises": "The register of social enterprises: registration, verification, history.",
    "export": "Bulk export of the public register (CSV, NDJSON, HSDS 3.0), streamed.",
    "areas": "ONS geography (county, LAD, ward, LSOA) and the theme vocabulary.",
    "commissions": "Commissions (tenders), their lots, questions and answers.",
    "bids": "Sealed bids, scores, ranking and award.",
    "contracts": "Contracts from awards, their lifecycle and outcome payments.",
    "payables": "Amounts owed on contracts with their due dates (at most 30 days), disputes "
    "and payments, and each council's published payment performance (UK8).",
    "ocds": "The contracting record in OCDS 1.1.5 (lots, metrics and UK profile extensions).",
    "notices": "Procurement Act notices (UK2 to UK12) as OCDS releases, and the council's "
    "Find a Tender submission queue.",
    "grants": "Ward micro-grants outside procurement: programmes, short-form applications, "
    "decisions by panel or residents' vote, grant agreements, instalments, end reports and "
    "360Giving open data.",
    "indicators": "The outcome indicator catalogue.",
    "plans": "Measurement plans: baselines, targets and SROI assumptions per contract.",
    "observations": "Reported and verified outcome observations (buyer and supplier only).",
    "reports": "Progress, social value and area reports, and the open outcomes dataset.",
    "events": "The public change feed of CloudEvents, as pages or Server-Sent Events.",
    "webhooks": "Signed webhooks (Standard Webhooks) and each principal's private event feed.",
    "admin": "API clients and councils (operators only).",
}
INFO_EXTRA: dict[str, Any] = {
    "contact": {"name": "Street Level", "url": "https://streetlevel.org"},
    "license": {"name": "Apache 2.0", "identifier": "Apache-2.0"},
}
LICENSING = """
The software is licensed under Apache-2.0. The open data it publishes (the register, the
contracting record, outcomes, exports and the change feed) is licensed under the
Open Government Licence v3.0:
https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/
"""
#: Conditional GETs (the shared edge, libs/common/web.py): every GET whose 200 is one whole
#: JSON body carries an ETag and answers 304 to a matching If-None-Match; streams do not.
STREAMED = ("application/x-ndjson", "text/csv")
CONDITIONAL: dict[str, dict[str, Any]] = {
    "parameters": {
        "IfNoneMatch": {
            "name": "If-None-Match",
            "in": "header",
            "required": False,
            "description": "An ETag from an earlier response: 304 if it is still current.",
            "schema": {"type": "string"},
        }
    },
    "headers": {
        "ETag": {
            "description": "The representation's validator, for If-None-Match (and If-Match).",
            "schema": {"type": "string"},
        }
    },
    "responses": {
        "NotModified": {
            "description": "Not modified: the If-None-Match ETag is still current.",
            "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
        }
    },
}
#: Statuses the gateway adds: its rate limiter (every operation) and its proxy (services').
RATE_LIMITED = "429"
PROXY_ERRORS = ("502", "503", "504")


def _unique_schemas(
    schemas: dict[str, Any], service: str, spec: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The service's schemas; a name another service means differently gets the service's."""
    # Names should be unique at the source (the contract test checks); this keeps a clash from
    # overwriting another service's model if one slips through.
    own = spec.get("components", {}).get("schemas", {})
    renames = {
        key: f"{service.capitalize()}{key}"
        for key, value in own.items()
        if key in schemas and schemas[key] != value
    }
    out = {}
    for key, value in own.items():
        name = renames.get(key, key)
        out[name] = {**value, "title": name} if key in renames else value
    return out, renames


def merge(
    gateway: dict[str, Any], services: dict[str, tuple[tuple[str, ...], dict[str, Any]]]
) -> dict[str, Any]:
    """Merge service documents (name → (prefixes, document)) into the gateway's."""
    doc = copy.deepcopy(gateway)
    doc["openapi"] = "3.1.0"
    doc["info"] = {**doc.get("info", {}), **INFO_EXTRA}
    doc["info"]["description"] = doc["info"].get("description", "").rstrip() + "\n" + LICENSING
    doc["servers"] = [{"url": "/", "description": "This Street Level platform"}]
    paths: dict[str, Any] = doc.setdefault("paths", {})
    schemas: dict[str, Any] = doc.setdefault("components", {}).setdefault("schemas", {})
    for path in paths.values():
        for operation in path.values():
            if isinstance(operation, dict):
                operation["x-streetlevel-service"] = "gateway"
    for name, (prefixes, spec) in sorted(services.items()):
        own, renames = _unique_schemas(schemas, name, spec)
        schemas.update(own)
        for path, item in rename_refs(spec.get("paths", {}), renames).items():
            if any(path == p or path.startswith(p + "/") for p in prefixes):
                paths[path] = item
    shared_components(doc)
    doc["components"]["securitySchemes"] = {
        SCHEME: oauth2_scheme(ALL_SCOPES, descriptions=ALL_SCOPES)
    }
    for kind, parts in CONDITIONAL.items():
        doc["components"].setdefault(kind, {}).update(copy.deepcopy(parts))
    used: set[str] = set()
    for method, _, operation in operations(doc):
        if method == "get":
            _conditional(operation)
        proxied = operation.pop("x-streetlevel-service", None) != "gateway"
        errors = {s for s in operation.get("responses", {}) if s[0] in "45"}
        errors.add(RATE_LIMITED)
        if proxied:
            errors.update(PROXY_ERRORS)
        reference_responses(operation, errors)
        used.update(operation.get("tags", []))
    prune_responses(doc)
    doc["tags"] = [{"name": n, "description": d} for n, d in TAGS.items() if n in used]
    doc["tags"] += [{"name": n} for n in sorted(used - TAGS.keys())]
    return doc


def _conditional(operation: dict[str, Any]) -> None:
    """Declare the edge's ETag, If-None-Match and 304 on a GET of one whole JSON body."""
    ok = operation.get("responses", {}).get("200")
    if ok is None or "$ref" in ok or any(m in ok.get("content", {}) for m in STREAMED):
        return
    ok.setdefault("headers", {})["ETag"] = {"$ref": "#/components/headers/ETag"}
    operation["responses"]["304"] = {"$ref": "#/components/responses/NotModified"}
    parameters = operation.setdefault("parameters", [])
    if not any(str(p.get("name", "")).lower() == "if-none-match" for p in parameters):
        parameters.append({"$ref": "#/components/parameters/IfNoneMatch"})


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
