"""Every log line carries the request id, as JSON or readable on a terminal; one access line."""

from __future__ import annotations

import io
import json
import logging
import re

import httpx2
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from streetlevel.common.logging import configure_logging, wants_json
from streetlevel.common.web import EdgeMiddleware


async def test_each_line_is_json_with_the_request_id_and_trace_id() -> None:
    stream = io.StringIO()
    configure_logging(level="INFO", json=True, service="logtest", stream=stream, force=True)
    app = FastAPI()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        logging.getLogger("streetlevel.test").info("handling hello")
        return {"ok": "yes"}

    app.add_middleware(EdgeMiddleware, service="logtest")
    trace = "00-" + "a" * 32 + "-" + "b" * 16 + "-01"
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url="http://test"
    ) as client:
        await client.get("/hello", headers={"X-Request-ID": "req-log-1", "traceparent": trace})

    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    handled = next(line for line in lines if line["event"] == "handling hello")
    access = next(line for line in lines if line["logger"] == "streetlevel.access")
    for line in (handled, access):
        assert line["request_id"] == "req-log-1"
        assert line["trace_id"] == "a" * 32
        assert line["service"] == "logtest"
    assert access["http"] == {
        "method": "GET",
        "path": "/hello",
        "status": 200,
        "duration_ms": access["http"]["duration_ms"],
    }
    assert logging.getLogger("uvicorn.access").disabled


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _app(*, nested: bool = False) -> FastAPI:
    app = FastAPI()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"ok": "yes"}

    app.add_middleware(EdgeMiddleware, service="inner")
    if nested:  # what embedded mode does: a service's edge inside the gateway's
        app.add_middleware(EdgeMiddleware, service="outer")
    return app


async def _get(app: FastAPI, url: str, request_id: str) -> None:
    client_log = logging.getLogger("httpx2")  # the test client's own line is not the app's
    client_log.disabled = True
    try:
        async with httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=app), base_url="http://test"
        ) as client:
            response = await client.get(url, headers={"X-Request-ID": request_id})
    finally:
        client_log.disabled = False
    assert response.status_code == 200


def test_the_format_is_json_unless_asked_or_on_a_terminal() -> None:
    assert wants_json(True, _Terminal()) is True
    assert wants_json(False, io.StringIO()) is False
    assert wants_json(None, _Terminal()) is False
    assert wants_json(None, io.StringIO()) is True
    closed = io.StringIO()
    closed.close()
    assert wants_json(None, closed) is True


async def test_a_terminal_gets_one_readable_access_line_with_the_request_id() -> None:
    stream = _Terminal()
    configure_logging(level="INFO", json=None, service="logtest", stream=stream, force=True)
    await _get(_app(), "/hello?email=someone%40example.org", "req-console-1")

    text = stream.getvalue()
    lines = [line for line in text.splitlines() if "req-console-1" in line]
    assert len(lines) == 1
    assert "GET /hello 200 " in lines[0]
    assert "ms" in lines[0]
    assert "'method'" not in lines[0]  # not the raw dict
    with_colours_removed = re.sub(r"\x1b\[[0-9;]*m", "", lines[0])
    assert "request_id=req-console-1" in with_colours_removed
    assert "service=logtest" in with_colours_removed
    # The query string (where personal data could travel) is never logged.
    assert "example.org" not in text
    assert "email" not in text
    for line in text.splitlines():
        with pytest.raises(json.JSONDecodeError):
            json.loads(line)


async def test_asked_for_the_console_it_writes_plain_lines_without_colour() -> None:
    stream = io.StringIO()
    configure_logging(level="INFO", json=False, service="logtest", stream=stream, force=True)
    await _get(_app(), "/hello", "req-console-2")
    logging.getLogger("uvicorn.error").info("started", extra={"color_message": "\x1b[1mstarted"})

    text = stream.getvalue()
    assert "started" in text
    assert "color_message" not in text
    assert "\x1b[" not in text
    line = next(line for line in text.splitlines() if "req-console-2" in line)
    assert "GET /hello 200 " in line
    assert "request_id=req-console-2" in line


async def test_an_edge_inside_an_edge_logs_the_request_once() -> None:
    stream = io.StringIO()
    configure_logging(level="INFO", json=True, service="logtest", stream=stream, force=True)
    before = _requests("inner") + _requests("outer")
    await _get(_app(nested=True), "/hello", "req-once-1")

    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    access = [line for line in lines if line["logger"] == "streetlevel.access"]
    assert len(access) == 1
    assert access[0]["request_id"] == "req-once-1"
    assert access[0]["http"]["status"] == 200
    # Both edges still count the request in their own service's metrics.
    assert _requests("inner") + _requests("outer") == before + 2


def _requests(service: str) -> float:
    value = REGISTRY.get_sample_value(
        "streetlevel_http_requests_total",
        {"service": service, "method": "GET", "route": "/hello", "status": "200"},
    )
    return value or 0.0


def test_http_clients_never_log_request_urls_at_info() -> None:
    configure_logging(level="INFO", json=True, service="t", stream=io.StringIO(), force=True)
    for client in ("httpx", "httpx2", "httpcore"):
        assert not logging.getLogger(client).isEnabledFor(logging.INFO)


def test_json_lines_carry_no_terminal_escape_codes() -> None:
    stream = io.StringIO()
    configure_logging(level="INFO", json=True, service="t", stream=stream, force=True)
    logging.getLogger("uvicorn.error").info(
        "Started server process [%d]", 7, extra={"color_message": "Started \x1b[36m%d\x1b[0m"}
    )
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["event"] == "Started server process [7]"
    assert "color_message" not in line
