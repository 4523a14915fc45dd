"""Each operation's documented ``security`` is what the platform enforces, caller by caller.

Every operation of the merged document is called anonymously and with a token of each kind of
principal (council, enterprise, registrar/admin, app client without scopes):

- anonymous → 401 exactly when the document lists no empty requirement ``{}``;
- a valid token → never 401;
- 403 for a missing scope (the problem's ``required_scope``) exactly when the token has none
  of the scopes the document lists for the operation.

Path parameters are made up and bodies empty: authentication and scopes are checked before
any lookup or validation, so the answer to who-may-call does not depend on them.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from streetlevel.gateway.identity.clients import DEFAULT_SCOPES

from .compat import METHODS
from .platform import Platform, embedded_platform

#: The token endpoint authenticates the client itself (RFC 6749), never with a bearer token.
OWN_AUTHENTICATION = {("post", "/oauth/token")}
PLACEHOLDER = "01900000-0000-7000-8000-000000000000"


@dataclass
class Caller:
    name: str
    headers: dict[str, str]
    scopes: frozenset[str]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def callers(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Platform, dict[str, Any], list[Caller]]]:
    async with embedded_platform(tmp_path_factory.mktemp("security-platform")) as platform:
        document = (await platform.http.get("/openapi.json")).json()
        callers = [
            Caller(
                "council", await platform.council(), frozenset(DEFAULT_SCOPES["council"].split())
            ),
            Caller(
                "enterprise",
                await platform.bearer("enterprise"),
                frozenset(DEFAULT_SCOPES["enterprise"].split()),
            ),
            Caller(
                "registrar",
                await platform.bearer("registrar"),
                frozenset(DEFAULT_SCOPES["registrar"].split()),
            ),
            Caller("app", await platform.bearer("app"), frozenset()),
        ]
        yield platform, document, callers


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, item[method])
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item and (method, path) not in OWN_AUTHENTICATION
    ]


async def _call(
    platform: Platform, method: str, path: str, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    url = re.sub(r"\{[^}]+\}", PLACEHOLDER, path)
    body = {} if method in ("post", "put", "patch") else None
    response = await platform.http.request(
        method.upper(), url, headers={**headers, "Accept": "application/json"}, json=body
    )
    problem = response.json() if "problem+json" in response.headers.get("content-type", "") else {}
    return response.status_code, problem


async def test_anonymous_callers_get_401_exactly_where_the_document_requires_a_token(
    callers: tuple[Platform, dict[str, Any], list[Caller]],
) -> None:
    platform, document, _ = callers
    wrong = []
    operations = _operations(document)
    for method, path, operation in operations:
        anonymous_allowed = {} in operation["security"]
        status, _ = await _call(platform, method, path, {})
        if (status == 401) == anonymous_allowed:
            wrong.append(f"{method.upper()} {path}: {status}, documented {operation['security']}")
    assert wrong == []
    assert len(operations) >= 60


@pytest.mark.parametrize("who", ["council", "enterprise", "registrar", "app"])
async def test_a_token_gets_403_for_scope_exactly_where_the_document_lists_a_scope_it_lacks(
    callers: tuple[Platform, dict[str, Any], list[Caller]], who: str
) -> None:
    platform, document, everyone = callers
    caller = next(c for c in everyone if c.name == who)
    wrong = []
    refused = 0
    for method, path, operation in _operations(document):
        listed = {s for r in operation["security"] for s in r.get("oauth2", [])}
        lacks = bool(listed) and not (listed & caller.scopes)
        status, problem = await _call(platform, method, path, caller.headers)
        # A scope refusal names the scope (Principal.require; the edge's check alike).
        scope_refusal = status == 403 and (
            "required_scope" in problem or "scope" in str(problem.get("detail", ""))
        )
        where = f"{method.upper()} {path}: {status} {problem.get('detail', '')}"
        if status == 401:
            wrong.append(f"{where} (a valid token)")
        elif scope_refusal != lacks:
            wrong.append(f"{where}, documented {sorted(listed)}, token {sorted(caller.scopes)}")
        elif scope_refusal:
            refused += 1
            if "required_scope" in problem:
                assert set(problem["required_scope"].split()) == listed, where
    assert wrong == []
    if who != "registrar":
        assert refused > 0, "every kind but the operator lacks some scope"
