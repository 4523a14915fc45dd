"""The client-credentials grant (RFC 6749 §4.4) and the claims of the tokens it issues."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qs, unquote

from streetlevel.common.ids import new_id
from streetlevel.gateway.identity.clients import Client, ClientStore
from streetlevel.gateway.identity.keys import KeyRing


class OAuthError(Exception):
    """An RFC 6749 §5.2 error: ``error`` code, description and HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def credentials(authorization: str | None, form: dict[str, str]) -> tuple[str, str]:
    """``client_id`` and ``client_secret`` from HTTP Basic or the form (not both)."""
    if authorization and authorization.lower().startswith("basic "):
        try:
            raw = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise OAuthError("invalid_client", "Malformed Basic credentials.", 401) from exc
        client_id, sep, secret = raw.partition(":")
        if not sep:
            raise OAuthError("invalid_client", "Malformed Basic credentials.", 401)
        if "client_secret" in form:
            raise OAuthError("invalid_request", "Use one client authentication method.")
        return unquote(client_id), unquote(secret)
    form_id, form_secret = form.get("client_id"), form.get("client_secret")
    if not form_id or not form_secret:
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    return form_id, form_secret


def parse_form(body: bytes) -> dict[str, str]:
    try:
        parsed = parse_qs(body.decode(), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as exc:
        raise OAuthError("invalid_request", "The body must be UTF-8 form data.") from exc
    if any(len(v) > 1 for v in parsed.values()):
        raise OAuthError("invalid_request", "A parameter was repeated.")
    return {k: v[0] for k, v in parsed.items()}


class TokenIssuer:
    """Checks the client and signs its token with the active key."""

    def __init__(
        self, *, clients: ClientStore, keys: KeyRing, issuer: str, audience: str, lifetime_s: int
    ) -> None:
        self.clients = clients
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.lifetime_s = lifetime_s

    async def grant(self, *, authorization: str | None, form: dict[str, str]) -> dict[str, Any]:
        if form.get("grant_type") != "client_credentials":
            raise OAuthError("unsupported_grant_type", "Only client_credentials is supported.")
        client_id, secret = credentials(authorization, form)
        client = await self.clients.authenticate(client_id, secret)
        if client is None:
            raise OAuthError("invalid_client", "Client authentication failed.", 401)
        scopes = list(client.scopes)
        if form.get("scope"):
            requested = form["scope"].split()
            if not set(requested) <= set(scopes):
                raise OAuthError("invalid_scope", "The client may not request these scopes.")
            scopes = requested
        token = await self.keys.sign(self.claims(client, scopes))
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.lifetime_s,
            "scope": " ".join(scopes),
        }

    def claims(self, client: Client, scopes: list[str]) -> dict[str, Any]:
        now = int(self.keys.clock.now().timestamp())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": client.id,
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime_s,
            "jti": str(new_id()),
            "scope": " ".join(scopes),
            "kind": client.kind,
        }
        if client.kind == "council":
            claims.update(org=client.org, area=client.area)
        if client.enterprise_id:
            claims["enterprise_id"] = client.enterprise_id
        return claims
