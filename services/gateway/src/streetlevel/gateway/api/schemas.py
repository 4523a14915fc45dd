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


class TokenRead(BaseModel):
    """RFC 6749 §5.1 access token response."""

    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str


class OAuthErrorRead(BaseModel):
    """RFC 6749 §5.2 error, with the platform's problem members alongside."""

    error: Literal["invalid_client", "invalid_request", "invalid_scope", "unsupported_grant_type"]
    error_description: str
    type: str
    title: str
    status: int
    detail: str
    request_id: str | None


class JwkRead(BaseModel):
    """One public signing key (RFC 7517); Ed25519 keys are OKP with ``x``, RSA keys have n/e."""

    kty: str
    kid: str
    use: str
    alg: str
    crv: str | None = None
    x: str | None = None
    n: str | None = None
    e: str | None = None


class JwksRead(BaseModel):
    keys: list[JwkRead]


class EventRead(BaseModel):
    """A CloudEvents 1.0 envelope as published, plus the feed's ``position``."""

    specversion: Literal["1.0"]
    id: str
    source: str
    type: str
    subject: str | None = None
    time: datetime
    datacontenttype: str | None = None
    dataschema: str | None = None
    sequence: str | None = Field(default=None, description="per-aggregate version (integer)")
    correlationid: str | None = None
    causationid: str | None = None
    traceparent: str | None = None
    data: dict[str, object] = Field(description="the event's data; its schema is `dataschema`")
    position: str = Field(
        pattern=r"^[1-9][0-9]*$",
        description="CloudEvents extension attribute (a string, like `sequence`): the event's "
        "place in the feed, a decimal integer, gapless and increasing (compare as integers). "
        "It is also the SSE `id` and the cursor to resume after this event",
    )


class EventPage(BaseModel):
    items: list[EventRead]
    next_cursor: str | None = Field(
        description="the cursor to resume after the last item: its `position` (on an empty "
        "page, the cursor you sent); null only when the feed is empty and no cursor was sent"
    )
