"""Structured logs (structlog) with the request id and trace id on every line.

JSON for machines; on a terminal, structlog's console renderer with one readable access line.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from streetlevel.common import context


def _add_context(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    request_id = context.current_request_id()
    if request_id:
        event.setdefault("request_id", request_id)
    trace = context.traceparent.get()
    if trace:
        event.setdefault("trace_id", trace.split("-")[1] if trace.count("-") >= 3 else trace)
    return event


def _drop_color_message(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    event.pop("color_message", None)  # uvicorn's copy of its message with escape codes
    return event


def _readable_access(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    # The access line's ``http`` dict reads badly as key=value: say it as a person would.
    event.pop("color_message", None)  # uvicorn's copy of its message with escape codes
    http = event.get("http")
    if event.get("logger") == "streetlevel.access" and isinstance(http, dict):
        event.pop("http")
        event["event"] = (
            f"{http.get('method')} {http.get('path')} {http.get('status')} "
            f"{http.get('duration_ms')}ms"
        )
    return event


def wants_json(json: bool | None, stream: Any) -> bool:
    """JSON unless asked for the console, or left unset (None) and writing to a terminal."""
    if json is not None:
        return json
    isatty = getattr(stream, "isatty", None)
    try:
        return not (callable(isatty) and isatty())
    except ValueError:  # a closed stream
        return True


_configured = False


def configure_logging(
    *,
    level: str = "INFO",
    json: bool | None = True,
    service: str = "",
    stream: Any = None,
    force: bool = False,
) -> None:
    """Route stdlib and structlog logs through one renderer; replace uvicorn's access log.

    ``json``: True for JSON lines, False for the console renderer, None to choose by whether
    the stream is a terminal. The first call in a process wins (the embedded platform
    configures once for all the services it mounts); ``force`` reconfigures.
    """
    global _configured
    if _configured and not force:
        return
    _configured = True
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_context,
    ]
    out = stream or sys.stdout
    renderers: list[Any]
    if wants_json(json, out):
        renderers = [_drop_color_message, structlog.processors.JSONRenderer()]
    else:
        colors = json is None  # chosen because the stream is a terminal
        renderers = [_readable_access, structlog.dev.ConsoleRenderer(colors=colors)]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderers],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    if service:
        structlog.contextvars.bind_contextvars(service=service)
    # Our access-log middleware writes one structured line per request instead.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("uvicorn.error").handlers = []
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
    # HTTP clients log each request's full URL (query strings included) at INFO: never ours.
    for client in ("httpx", "httpx2", "httpcore"):
        logging.getLogger(client).setLevel(max(logging.WARNING, root.level))


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
