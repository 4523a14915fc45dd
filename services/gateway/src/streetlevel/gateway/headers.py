"""The proxy's header handling: what passes each way, what the gateway sets, what it adds."""

from __future__ import annotations

from starlette.types import Message, Scope, Send

from streetlevel.common import context

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
    }
)
#: Set by the gateway itself, never passed through from the client.
REPLACED_REQUEST = frozenset(
    {
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"x-request-id",
        b"forwarded",
        b"traceparent",
    }
)
#: The gateway's edge sets these once for the whole response (it merges the upstream's Vary).
REPLACED_RESPONSE = frozenset(
    {
        b"x-request-id",
        b"access-control-allow-origin",
        b"access-control-expose-headers",
        b"server",
        b"date",
    }
)


def _connection_tokens(headers: list[tuple[bytes, bytes]]) -> set[bytes]:
    tokens: set[bytes] = set()
    for key, value in headers:
        if key == b"connection":
            tokens.update(t.strip().lower() for t in value.split(b",") if t.strip())
    return tokens


#: Dropped from every request: computed once, not per request (the common case has no
#: ``Connection`` header naming more).
_DROP_REQUEST = HOP_BY_HOP | REPLACED_REQUEST
_DROP_REQUEST_IDENTITY = _DROP_REQUEST | {b"accept-encoding"}
_DROP_RESPONSE = HOP_BY_HOP | REPLACED_RESPONSE


def request_headers(scope: Scope, *, identity: bool = False) -> list[tuple[bytes, bytes]]:
    """The client's headers minus hop-by-hop ones, plus X-Forwarded-* and the request id.

    ``identity`` drops ``Accept-Encoding``: the gateway reads that response itself (an observer),
    so the service must not compress it.
    """
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    dropped = _DROP_REQUEST_IDENTITY if identity else _DROP_REQUEST
    out = []
    prior: list[bytes] = []
    host = None
    named = False
    for k, v in headers:
        if k not in dropped:
            out.append((k, v))
            if k == b"host" and host is None:
                host = v
        elif k == b"x-forwarded-for":
            prior.append(v)
        elif k == b"connection":
            named = True
    if named:
        extra = _connection_tokens(headers)
        out = [(k, v) for k, v in out if k not in extra]
    client = scope.get("client")
    peer = (client[0] if client else "unknown").encode()
    forwarded = b", ".join(prior)
    out.append((b"x-forwarded-for", forwarded + b", " + peer if forwarded else peer))
    out.append((b"x-forwarded-proto", scope.get("scheme", "http").encode()))
    if host is not None:
        out.append((b"x-forwarded-host", host))
    rid = context.current_request_id()
    if rid:
        out.append((b"x-request-id", rid.encode()))
    # The edge validated the client's traceparent; with tracing on it is the proxy hop's span.
    trace = context.traceparent.get()
    if trace:
        out.append((b"traceparent", trace.encode()))
    return out


def response_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The upstream's headers (names in lower case) minus hop-by-hop and edge-set ones."""
    out = []
    named = False
    for k, v in raw:
        k = k.lower()
        if k not in _DROP_RESPONSE:
            out.append((k, v))
        elif k == b"connection":
            named = True
    if named:
        extra = _connection_tokens([(k.lower(), v) for k, v in raw])
        out = [(k, v) for k, v in out if k not in extra]
    return out


def with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    """``send`` with ``extra`` replacing any same-named headers of the response."""
    if not extra:
        return send
    names = {name for name, _ in extra}

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [h for h in message.get("headers", []) if h[0] not in names]
            message = {**message, "headers": headers + extra}
        await send(message)

    return wrapped
