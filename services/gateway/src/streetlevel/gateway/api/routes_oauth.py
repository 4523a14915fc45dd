"""``POST /oauth/token`` (client credentials), the JWKS and the RFC 8414 server metadata."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from streetlevel.common.context import current_request_id
from streetlevel.common.errors import PROBLEM_BASE
from streetlevel.gateway.api.deps import GatewayDep
from streetlevel.gateway.api.schemas import (
    AuthorizationServerMetadata,
    JwksRead,
    OAuthErrorRead,
    TokenRead,
)
from streetlevel.gateway.identity.clients import ALL_SCOPES
from streetlevel.gateway.identity.tokens import OAuthError, parse_form

router = APIRouter(tags=["identity"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

GRANT_DESCRIPTION = """OAuth 2.0 client credentials grant (RFC 6749 §4.4).

Authenticate with HTTP Basic (`client_id:client_secret`) or with `client_id` and `client_secret`
form fields, and send `grant_type=client_credentials` (optionally `scope`, a subset of the
client's scopes). Errors deviate from the platform's problem+json on purpose: they are
`application/json` with the RFC 6749 §5.2 `error` code (`invalid_client`, `invalid_request`,
`invalid_scope`, `unsupported_grant_type`) that every OAuth client library reads, and also carry
the problem members (`type`, `title`, `status`, `detail`, `request_id`).
"""


def oauth_error(exc: OAuthError) -> JSONResponse:
    body: dict[str, Any] = {
        "error": exc.error,
        "error_description": exc.description,
        "type": PROBLEM_BASE + ("unauthorized" if exc.status == 401 else "validation"),
        "title": "Unauthorized" if exc.status == 401 else "Bad request",
        "status": exc.status,
        "detail": exc.description,
        "request_id": current_request_id(),
    }
    headers = dict(NO_STORE)
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="streetlevel"'
    return JSONResponse(body, status_code=exc.status, headers=headers)


@router.post(
    "/oauth/token",
    summary="Issue an access token",
    description=GRANT_DESCRIPTION,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type"],
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["client_credentials"]},
                            "client_id": {"type": "string"},
                            "client_secret": {"type": "string"},
                            "scope": {"type": "string"},
                        },
                    }
                }
            },
        },
        "security": [{}],
    },
    responses={
        200: {"model": TokenRead, "description": "The token"},
        400: {"model": OAuthErrorRead, "description": "RFC 6749 error (`invalid_request`, ...)"},
        401: {"model": OAuthErrorRead, "description": "RFC 6749 `invalid_client`"},
    },
)
async def token(request: Request, gateway: GatewayDep) -> JSONResponse:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return oauth_error(OAuthError("invalid_request", "Send application/x-www-form-urlencoded."))
    try:
        form = parse_form(await request.body())
        granted = await gateway.issuer.grant(
            authorization=request.headers.get("authorization"), form=form
        )
    except OAuthError as exc:
        return oauth_error(exc)
    return JSONResponse(granted, headers=NO_STORE)


@router.get(
    "/.well-known/jwks.json",
    summary="The token signing keys (JWKS)",
    responses={200: {"model": JwksRead, "description": "The public keys (RFC 7517)"}},
    openapi_extra={"security": [{}]},
)
async def jwks(gateway: GatewayDep) -> JSONResponse:
    """The public keys that verify access tokens (RFC 7517); cache for 10 seconds."""
    # Shorter than the rotation lead time, so a staged key reaches every cache before it signs.
    return JSONResponse(await gateway.keys.jwks(), headers={"Cache-Control": "public, max-age=10"})


@router.get(
    "/.well-known/oauth-authorization-server",
    summary="OAuth 2.0 authorisation server metadata (RFC 8414)",
    description="Where to get a token and how: what OAuth client libraries discover. `issuer` "
    "is the `iss` claim of every token the gateway signs.",
    response_model=AuthorizationServerMetadata,
)
async def authorization_server_metadata(gateway: GatewayDep) -> AuthorizationServerMetadata:
    # The settings always hold a (validated, slash-free) base URL: the local one by default.
    base = gateway.settings.public_base_url
    return AuthorizationServerMetadata(
        issuer=gateway.settings.jwt_issuer,
        token_endpoint=f"{base}/oauth/token",
        jwks_uri=f"{base}/.well-known/jwks.json",
        grant_types_supported=["client_credentials"],
        # identity.tokens.credentials: HTTP Basic or the form's client_id and client_secret.
        token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
        scopes_supported=sorted(ALL_SCOPES),
        # No authorisation endpoint exists; "none" is the registered response type that hands
        # out nothing there, and RFC 8414 makes the member required (and non-empty).
        response_types_supported=["none"],
        service_documentation=f"{base}/developers",
    )
