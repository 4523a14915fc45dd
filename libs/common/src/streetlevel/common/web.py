"""Edge middleware shared by every service: request ids, access log, metrics, headers, limits."""

from __future__ import annotations

import itertools
import logging
import os
import re
import secrets
import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from streetlevel.common import context, tracing
from streetlevel.common.errors import PayloadTooLarge
from streetlevel.common.metrics import HTTP_LATENCY, HTTP_REQUESTS, status_class

access_log = logging.getLogger("streetlevel.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"strict-transport-security", b"max-age=63072000; includeSubDomains"),
    (b"cross-origin-resource-policy", b"cross-origin"),
]
PUBLIC_CACHE = b"public, max-age=60"
_VARY_BOTH = (b"vary", b"Accept-Encoding, Authorization")
_MAX_METRIC_KEYS = 4096
#: Methods counted by name; any other (the client's to invent) is counted as "other".
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_NO_TRACE = "0" * 32
#: Scope key an edge sets: an edge inside another (a service mounted in the embedded gateway)
#: leaves the request's one access line to the outer edge, and keeps its own metrics.
_LOGGED_BY = "streetlevel.access_logged_by"


class _RequestIds:
    """32 hex digits: a random per-process prefix and a counter (no ``os.urandom`` per id)."""

    def __init__(self) -> None:
        self.reseed()

    def reseed(self) -> None:
        self.prefix = secrets.token_hex(8)
        self.counter = itertools.count(secrets.randbelow(2**32))

    def __call__(self) -> str:
        return f"{self.prefix}{next(self.counter) & 0xFFFFFFFFFFFFFFFF:016x}"


#: A new request id; a forked worker draws its own prefix.
new_request_id = _RequestIds()
os.register_at_fork(after_in_child=new_request_id.reseed)


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header (``name`` in lower case), or None."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _problem_body(status: int, slug: str, title: str, detail: str, rid: str) -> bytes:
    return orjson.dumps(
        {
            "type": f"https://streetlevel.org/problems/{slug}",
            "title": title,
            "status": status,
            "detail": detail,
            "request_id": rid,
        }
    )


class EdgeMiddleware:
    """One pure-ASGI layer (cheap on the hot path) for what every response needs.

    - ``X-Request-ID`` accepted when well-formed, otherwise generated; echoed on the response
      and bound to logs and events; ``traceparent`` captured the same way.
    - Request bodies above ``max_body_bytes`` are refused with 413 (declared or streamed).
    - ``Vary: Authorization`` everywhere; anonymous GETs are public and CORS-open, while
      authenticated responses are ``Cache-Control: private``.
    - One structured access-log line and RED metrics per request (an edge inside another
      edge, as in embedded mode, leaves the access line to the outer one).
    """

    def __init__(self, app: ASGIApp, *, service: str, max_body_bytes: int = 1_048_576) -> None:
        self.app = app
        self.service = service
        self.max_body_bytes = max_body_bytes
        # Labelled children resolved once: labels() costs a lock and a dict per request.
        self._metrics: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        log = _LOGGED_BY not in scope
        if log:
            scope[_LOGGED_BY] = self.service
        incoming = trace = declared = preflight = None
        anonymous = True
        for key, value in scope["headers"]:  # one pass; the first of a repeated header counts
            if key == b"authorization":
                anonymous = False
            elif key == b"x-request-id":
                incoming = incoming or value.decode("latin-1")
            elif key == b"traceparent":
                trace = trace or value.decode("latin-1")
            elif key == b"content-length":
                declared = declared or value.decode("latin-1")
            elif key == b"access-control-request-method":
                preflight = preflight or value
        rid = incoming if incoming and _REQUEST_ID.match(incoming) else new_request_id()
        context.set_request_id(rid)
        context.traceparent.set(trace if trace and _TRACEPARENT.match(trace) else None)
        method = scope["method"]
        status_holder = [500]

        if method == "OPTIONS" and preflight:
            await self._preflight(send, rid)
            return

        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._reject(
                send,
                rid,
                413,
                "payload-too-large",
                "Payload too large",
                f"The request body exceeds {self.max_body_bytes} bytes.",
            )
            self._observe(scope, 413, start, log)
            return

        received = 0
        too_large = started = replaced = False
        too_large_detail = f"The request body exceeds {self.max_body_bytes} bytes."

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    too_large = True
                    raise _BodyTooLarge(too_large_detail)
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started, replaced
            if replaced:
                return  # the app answered an oversized body its own way; 413 was sent
            if too_large and not started:
                # Frameworks turn a failed body read into their own 400: answer 413 instead.
                started = replaced = True
                status_holder[0] = 413
                await self._reject(
                    send, rid, 413, "payload-too-large", "Payload too large", too_large_detail
                )
                return
            if message["type"] == "http.response.start":
                started = True
                status_holder[0] = message["status"]
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k not in (b"x-request-id",)
                ]
                names = {k for k, _ in headers}
                headers.append((b"x-request-id", rid.encode()))
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in names)
                if b"vary" in names:
                    headers = _vary_authorization(headers)
                else:
                    headers.append((b"vary", b"Authorization"))
                if anonymous:
                    if method in ("GET", "HEAD"):
                        headers.append((b"access-control-allow-origin", b"*"))
                        headers.append(
                            (
                                b"access-control-expose-headers",
                                b"Link, ETag, X-Request-ID, RateLimit-Limit, "
                                b"RateLimit-Remaining, RateLimit-Reset, Retry-After, "
                                b"Deprecation, Sunset",
                            )
                        )
                        if b"cache-control" not in names and message["status"] < 400:
                            headers.append((b"cache-control", PUBLIC_CACHE))
                else:
                    headers = [(k, v) for k, v in headers if k != b"cache-control"]
                    headers.append((b"cache-control", b"private, no-store"))
                message["headers"] = headers
            await send(message)

        span = tracing.start(
            self.service, method, kind=tracing.SERVER, parent=context.traceparent.get()
        )
        if span is not None:
            context.traceparent.set(tracing.traceparent_of(span))
        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _BodyTooLarge:
            if started:
                return
            status_holder[0] = 413
            await self._reject(
                send,
                rid,
                413,
                "payload-too-large",
                "Payload too large",
                f"The request body exceeds {self.max_body_bytes} bytes.",
            )
        except Exception:
            # Starlette re-raises after its error handler answered; the problem was already
            # logged and sent, so only a failure before any response may propagate.
            if not started:
                raise
        finally:
            if span is not None:
                tracing.end_request(span, scope, status_holder[0])
            self._observe(scope, status_holder[0], start, log)

    def _observe(self, scope: Scope, status: int, start: float, log: bool) -> None:
        elapsed = time.perf_counter() - start
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        method = scope["method"] if scope["method"] in _METHODS else "other"
        key = (method, template, status)
        metrics = self._metrics.get(key)
        if metrics is None:
            metrics = (
                HTTP_REQUESTS.labels(self.service, method, template, str(status)),
                HTTP_LATENCY.labels(self.service, template, status_class(status)),
            )
            if len(self._metrics) < _MAX_METRIC_KEYS:
                self._metrics[key] = metrics
        metrics[0].inc()
        # The exemplar links a slow bucket to its trace; the id was validated at the edge.
        trace = context.traceparent.get()
        trace_id = trace[3:35] if trace else None
        if trace_id and trace_id != _NO_TRACE:
            metrics[1].observe(elapsed, exemplar={"trace_id": trace_id})
        else:
            metrics[1].observe(elapsed)
        if log and access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "request",
                extra={
                    "http": {
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                    }
                },
            )

    async def _reject(
        self, send: Send, rid: str, status: int, slug: str, title: str, detail: str
    ) -> None:
        body = _problem_body(status, slug, title, detail, rid)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-request-id", rid.encode()),
                    (b"vary", b"Authorization"),
                    (b"connection", b"close"),
                    *SECURITY_HEADERS,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _preflight(self, send: Send, rid: str) -> None:
        # Cross-origin access is for anonymous open-data reads only: no credentials.
        await send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": [
                    (b"access-control-allow-origin", b"*"),
                    (b"access-control-allow-methods", b"GET, HEAD"),
                    (
                        b"access-control-allow-headers",
                        b"Accept, X-Request-ID, If-None-Match, Last-Event-ID",
                    ),
                    (b"access-control-max-age", b"600"),
                    (b"x-request-id", rid.encode()),
                    (b"vary", b"Authorization"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})


def _vary_authorization(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """One ``Vary`` naming what the app varies on (e.g. Accept-Encoding) and Authorization."""
    if (b"vary", b"Accept-Encoding") in headers:  # what the HTTP layer sends: the hot case
        return [(k, v) for k, v in headers if k != b"vary"] + [_VARY_BOTH]
    tokens: list[bytes] = []
    for key, value in headers:
        if key == b"vary":
            tokens.extend(t.strip() for t in value.split(b",") if t.strip())
    if not any(t.lower() == b"authorization" for t in tokens):
        tokens.append(b"Authorization")
    return [(k, v) for k, v in headers if k != b"vary"] + [(b"vary", b", ".join(tokens))]


class _BodyTooLarge(PayloadTooLarge):
    """Raised from ``receive`` when the streamed body passes the limit."""
