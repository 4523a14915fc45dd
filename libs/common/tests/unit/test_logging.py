"""Every log line is JSON with the request id; the access log is one structured line."""

from __future__ import annotations

import io
import json
import logging

import httpx2
from fastapi import FastAPI

from streetlevel.common.logging import configure_logging
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
