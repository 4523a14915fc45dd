"""Security headers on every response of the site, and no cookie ever leaves it."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: No script at all; styles from the site itself; forms submit only to the site.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
_REPLACED = {name for name, _ in SECURITY_HEADERS} | {b"set-cookie"}


class SecurityHeaders:
    """Adds the headers (replacing any set below); drops ``Set-Cookie`` (the site keeps none)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [
                    h
                    for h in message.get("headers", [])
                    # Pages are for browsers, not cross-origin scripts: no CORS grant.
                    if h[0].lower() not in _REPLACED
                    and not h[0].lower().startswith(b"access-control-")
                ]
                message = {**message, "headers": kept + SECURITY_HEADERS}
            await send(message)

        await self.app(scope, receive, secured)
