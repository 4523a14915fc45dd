"""Authentication before the body: a protected write answers 401 or 403 before any 422."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from streetlevel.common.auth import Principal
from streetlevel.common.errors import DomainError, Forbidden, Unauthorized
from streetlevel.common.http import allowed_methods
from streetlevel.common.openapi import declared_security
from streetlevel.common.problems import problem

#: (METHOD, path template) → the scopes of which the caller needs one; () means any token.
WriteScopes = Mapping[tuple[str, str], Iterable[str] | None]
Verify = Callable[[str | None], Awaitable[Principal]]
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def refusal(principal: Principal, scopes: frozenset[str]) -> DomainError | None:
    """401 for an anonymous caller, 403 for one holding none of ``scopes`` (if any)."""
    if principal.is_anonymous:
        return Unauthorized("This operation needs a bearer token.")
    if scopes and not scopes & principal.scopes:
        needed = " or ".join(f"'{s}'" for s in sorted(scopes))
        return Forbidden(f"This operation needs the {needed} scope.")
    return None


class WriteRules:
    """The scopes of a service's writes, matched by method and path.

    By default they are the routes' own declarations (``requires()``, the same ones the
    published OpenAPI's ``security`` comes from), read once the routes are all in place; an
    explicit table is for tests of the mechanism.
    """

    def __init__(
        self,
        scopes: WriteScopes | None = None,
        *,
        open_paths: Iterable[str] = (),
        routes: Callable[[], Iterable[Any]] | None = None,
    ) -> None:
        if scopes is None and routes is None:
            raise ValueError("WriteRules needs the routes or an explicit table of scopes")
        self._rules: list[Rule] | None = None if scopes is None else _compile(scopes.items())
        self.open_paths = frozenset(open_paths)
        self.routes = routes

    @property
    def rules(self) -> list[Rule]:
        if self._rules is None:
            assert self.routes is not None
            declared = declared_security(self.routes()).items()
            self._rules = _compile((key, needed) for key, needed in declared if key[0] not in SAFE)
        return self._rules

    def scopes_for(self, method: str, path: str) -> frozenset[str] | None:
        """The scopes a write needs (empty: any token); None for a request that needs none.

        A method no route serves at ``path`` needs none: the app answers it 405 (or 404).
        """
        if method in SAFE or path in self.open_paths:
            return None
        for rule_method, regex, needed in self.rules:
            if rule_method == method and regex.match(path):
                return needed
        if self.routes is not None and method not in allowed_methods(self.routes(), path):
            return None
        return frozenset()


#: (METHOD, path pattern, scopes of which one is needed — None: the route serves anyone).
Rule = tuple[str, re.Pattern[str], frozenset[str] | None]


def _compile(items: Iterable[tuple[tuple[str, str], Iterable[str] | None]]) -> list[Rule]:
    return [
        (method.upper(), compile_path(path)[0], None if needed is None else frozenset(needed))
        for (method, path), needed in items
    ]


async def answer(exc: DomainError, scope: Scope, receive: Receive, send: Send) -> None:
    """Send ``exc`` as problem+json from outside the framework."""
    response = problem(
        exc.status, exc.detail, slug=exc.slug, title=exc.title, headers=exc.headers()
    )
    await response(scope, receive, send)


class AuthFirst:
    """Pure ASGI: a write needs a valid token, and its declared scope, before the body is read.

    The route still checks everything else (ownership, state); the verifier caches the token.
    """

    def __init__(self, app: ASGIApp, *, verify: Verify, rules: WriteRules) -> None:
        self.app = app
        self.verify = verify
        self.rules = rules

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            needed = self.rules.scopes_for(scope["method"], scope["path"])
            if needed is not None:
                authorization = None
                for key, value in scope["headers"]:
                    if key == b"authorization":
                        authorization = value.decode("latin-1")
                        break
                try:
                    principal = await self.verify(authorization)
                except Unauthorized as exc:
                    await answer(exc, scope, receive, send)
                    return
                refused = refusal(principal, needed)
                if refused is not None:
                    await answer(refused, scope, receive, send)
                    return
        await self.app(scope, receive, send)
