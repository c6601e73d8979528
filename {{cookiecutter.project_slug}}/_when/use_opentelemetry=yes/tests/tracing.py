"""Spans recorded in memory by the project's own instrumentation, for the tests about traces."""

import contextlib

from django.db import connections
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_ON
from opentelemetry.trace import SpanKind

from {{ cookiecutter.project_slug }}.core.observability import tracing


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


def system(span: ReadableSpan) -> object:
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
