"""Schemathesis over every operation of the merged OpenAPI, as each principal, in embedded mode.

Stateless: each operation gets ``MAX_EXAMPLES`` positive and negative cases (derandomized, so
every run sends the same requests), half of them aimed at resources that exist. No answer may
be a server error, and every answer must match the document: a declared status, its media type
and its schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import STATS, Fuzzing
from .problems import METHODS

#: Measured on 2 cores: the whole fuzz tier (66 operations) stays under five minutes.
MAX_EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: Which principal holds each scope (API.md's client kinds).
HOLDER = {
    "registry:write": "council",
    "commissioning:write": "council",
    "commissioning:evaluate": "council",
    "outcomes:write": "council",
    "outcomes:verify": "council",
    "commissioning:bid": "enterprise",
    "outcomes:report": "enterprise",
    "registry:verify": "registrar",
    "admin": "registrar",
}
#: Deviations found by this run and reported to their owners, each excused from one check only
#: (every other check still runs on the operation). Remove an entry once its fix lands.
KNOWN_DEVIATIONS: dict[tuple[str, str], tuple[Any, str]] = {
    ("get", "/v1/reports/export"): (
        content_type_conformance,
        "outcomes: the export answers text/csv or application/x-ndjson, documented as JSON",
    ),
}
EVERYONE = ("anonymous", "council", "enterprise", "registrar")
#: The checked-in document names the operations (tests/contract keeps it in step with the API).
OPENAPI_FILE = Path(__file__).resolve().parents[1] / "contract" / "openapi.json"
SNAPSHOT = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
OPERATIONS = sorted(
    (method, path)
    for path, item in SNAPSHOT["paths"].items()
    for method in METHODS
    if method in item
)


def principals_for(operation: dict[str, Any]) -> tuple[str, ...]:
    """The holder of an operation's scope, or everyone when a token is optional."""
    scopes = {s for r in operation.get("security", []) for s in r.get("oauth2", [])}
    if scopes and all(scope in HOLDER for scope in scopes):
        return tuple(sorted({HOLDER[scope] for scope in scopes}))
    return EVERYONE


def known_parameters(path: str, fuzzing: Fuzzing) -> dict[str, str]:
    """Path parameters of resources that exist, so that some cases get past the lookup."""
    names = {p.strip("{}") for p in path.split("/") if p.startswith("{")}
    known = {name: fuzzing.known[name] for name in names if name in fuzzing.known}
    if "code" in names:
        if path.startswith("/v1/indicators") and "indicator_code" in fuzzing.known:
            known["code"] = fuzzing.known["indicator_code"]
        elif path.startswith(("/v1/areas", "/v1/reports/areas")):
            known["code"] = "E06000009"
    return known


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_an_operation_never_fails_and_always_answers_as_documented(
    method: str, path: str, fuzzing: Fuzzing, fuzz_schema: Any
) -> None:
    operation = fuzz_schema[path][method.upper()]
    strategies = [operation.as_strategy(mode) for mode in GenerationMode]
    known = known_parameters(path, fuzzing)
    if known:
        strategies += [
            operation.as_strategy(mode, path_parameters=known) for mode in GenerationMode
        ]
    who = principals_for(operation.definition.raw)
    excused, _ = KNOWN_DEVIATIONS.get((method, path), (None, ""))
    checks = [check for check in CHECKS if check is not excused]

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies), principal=st.sampled_from(who))
    def fuzz(case: Any, principal: str) -> None:
        headers = fuzzing.principals.get(principal, {})
        response = case.call(
            base_url=fuzzing.served.base_url, session=fuzzing.session, headers=headers
        )
        STATS.record(response.status_code)
        case.validate_response(response, checks=checks, headers=headers)

    fuzz()
