"""Request and response bodies of the gateway's admin routes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["council", "enterprise", "registrar", "app"]
    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
    scopes: list[str] | None = Field(default=None, description="default: the kind's scopes")
    org: str | None = Field(default=None, description="council org-id, e.g. GB-LAE-BPL")
    enterprise_id: str | None = None
    rate_limit: str | None = Field(default=None, description="e.g. 5000/minute")


class ClientRead(BaseModel):
    client_id: str
    name: str
    kind: str
    scopes: list[str]
    org: str | None
    area: str | None
    enterprise_id: str | None
    rate_limit: str | None
    created_at: datetime
    revoked_at: datetime | None


class ClientWithSecret(ClientRead):
    client_secret: str = Field(description="shown once; store it now")


class ClientPage(BaseModel):
    items: list[ClientRead]
    next_cursor: str | None


class CouncilCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_id: str = Field(pattern=r"^GB-LAE-[A-Z0-9]{2,10}$", examples=["GB-LAE-BPL"])
    name: str = Field(min_length=1, max_length=200)
    area: str = Field(pattern=r"^[EW]\d{8}$", examples=["E06000009"])


class CouncilRead(BaseModel):
    org_id: str
    name: str
    area: str


class AuthorizationServerMetadata(BaseModel):
    """RFC 8414 §2 metadata of the gateway's OAuth 2.0 authorisation server."""

    issuer: str = Field(description="equal to the `iss` claim of every token issued")
    token_endpoint: str
    jwks_uri: str
    grant_types_supported: list[Literal["client_credentials"]]
    token_endpoint_auth_methods_supported: list[
        Literal["client_secret_basic", "client_secret_post"]
    ]
    scopes_supported: list[str]
    response_types_supported: list[str] = Field(
        description="`none`: there is no authorisation endpoint; RFC 8414 requires the member"
    )
    service_documentation: str
