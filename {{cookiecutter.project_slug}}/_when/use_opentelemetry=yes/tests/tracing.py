"""Spans recorded in memory by the project's own instrumentation, for the tests about traces."""

import contextlib
import http.server
import threading

from django.db import connections
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_ON
from opentelemetry.trace import SpanKind

from {{ cookiecutter.project_slug }}.core import tracing


def close_connections() -> None:
    """Only connections opened while psycopg is instrumented are traced, and they stay so."""
    for connection in connections.all(initialized_only=True):
        connection.close()
        if (close_pool := getattr(connection, "close_pool", None)) is not None:
            close_pool()


@contextlib.contextmanager
def recorded_spans():
    """Instrument as gunicorn's workers do, every span sampled and kept in memory."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=ALWAYS_ON)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    close_connections()
    tracing.instrument(provider)
    try:
        yield exporter
    finally:
        tracing.uninstrument()
        close_connections()


def system(span: ReadableSpan) -> str | None:
    attributes = span.attributes or {}
    return attributes.get("db.system.name", attributes.get("db.system"))


def request_span(exporter: InMemorySpanExporter) -> ReadableSpan:
    (span,) = [span for span in exporter.get_finished_spans() if span.kind is SpanKind.SERVER]
    return span


def children(exporter: InMemorySpanExporter, parent: ReadableSpan, db_system: str):
    """The spans of one client library (postgresql, redis) under the request's span."""
    return [
        span
        for span in exporter.get_finished_spans()
        if system(span) == db_system
        and span.parent is not None
        and span.parent.span_id == parent.context.span_id
    ]


class Collector(http.server.ThreadingHTTPServer):
    """An OTLP/HTTP receiver: keeps the spans that the workers export to /v1/traces."""

    def __init__(self):
        self.spans = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(handler):  # the name http.server calls
                body = handler.rfile.read(int(handler.headers["Content-Length"]))
                export = ExportTraceServiceRequest.FromString(body)
                for resource in export.resource_spans:
                    for scope in resource.scope_spans:
                        self.spans.extend(scope.spans)
                handler.send_response(200)
                handler.end_headers()

            def log_message(handler, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info):
        self.shutdown()
        super().__exit__(*exc_info)


def attributes(span) -> dict[str, str]:
    """An exported span's string attributes."""
    return {attribute.key: attribute.value.string_value for attribute in span.attributes}
