"""An OTLP/HTTP traces receiver decoding the official ``opentelemetry-proto`` messages.

No OpenTelemetry Collector installs from the package registries without building it with Go,
so tests receive exported spans here: every request is kept, and every span with the
``service.name`` of the resource that sent it (without the ``streetlevel-`` prefix).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span


class Receiver(ThreadingHTTPServer):
    """The receiver's state: raw requests (path, content type, message) and decoded spans."""

    requests: list[tuple[str, str, ExportTraceServiceRequest]]
    spans: list[tuple[str, Span]]

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        message = ExportTraceServiceRequest()
        message.ParseFromString(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append((self.path, self.headers["Content-Type"], message))
        for resource_spans in message.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            service = attributes.get("service.name", "").removeprefix("streetlevel-")
            for scope in resource_spans.scope_spans:
                self.server.spans.extend((service, span) for span in scope.spans)
        answer = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def receiving() -> Iterator[Receiver]:
    """A receiver on a free loopback port, serving in a thread until the block ends."""
    server = Receiver(("127.0.0.1", 0), _Handler)
    server.requests, server.spans = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
