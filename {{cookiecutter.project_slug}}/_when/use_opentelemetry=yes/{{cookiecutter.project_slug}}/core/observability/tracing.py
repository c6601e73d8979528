"""OpenTelemetry traces: one span per request, its SQL queries and Redis commands as children.

Configured only by the standard OTEL_* variables (.env.example): OTEL_SERVICE_NAME, the OTLP
endpoint (OTEL_EXPORTER_OTLP_ENDPOINT, HTTP/protobuf), the sampler (OTEL_TRACES_SAMPLER,
OTEL_TRACES_SAMPLER_ARG), OTEL_TRACES_EXPORTER ("otlp", "console" or "none") and
OTEL_SDK_DISABLED. gunicorn calls start() in each worker after the fork (gunicorn.conf.py):
the exporter's thread and sockets would not survive a fork from the master. Only the app's
middleware chain built after start() traces requests.
"""

import os

from opentelemetry import trace
from opentelemetry.instrumentation.django import DjangoInstrumentor
from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
{%- if cookiecutter.background_tasks == "postgres" %}

from ..jobs import tracing as job_tracing
{%- endif %}

# The key of the request id on the request's span, as on its log lines (observability/logs.py).
REQUEST_ID = "request_id"


def add_request_id(span, request, response) -> None:
    """Called once the response is ready, when RequestContextMiddleware has set the id."""
    request_id = getattr(request, "request_id", None)
    if request_id is not None and span.is_recording():
        span.set_attribute(REQUEST_ID, request_id)


def instrument(tracer_provider: trace.TracerProvider) -> None:
    DjangoInstrumentor().instrument(tracer_provider=tracer_provider, response_hook=add_request_id)
    # Wraps psycopg's connect: only connections opened from now on are traced.
    PsycopgInstrumentor().instrument(tracer_provider=tracer_provider)
    RedisInstrumentor().instrument(tracer_provider=tracer_provider)
{%- if cookiecutter.background_tasks == "postgres" %}
    # The jobs a request defers carry its trace (core/jobs/tracing.py).
    job_tracing.instrument()
{%- endif %}


def uninstrument() -> None:
    DjangoInstrumentor().uninstrument()
    PsycopgInstrumentor().uninstrument()
    RedisInstrumentor().uninstrument()
{%- if cookiecutter.background_tasks == "postgres" %}
    job_tracing.uninstrument()
{%- endif %}


def exporter():
    name = os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower()
    if name == "none":
        return None
    if name == "console":
        return ConsoleSpanExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def start() -> None:
    # The resource (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) and the sampler come from the
    # environment when not passed in.
    provider = TracerProvider()
    if (span_exporter := exporter()) is not None:
        provider.add_span_processor(BatchSpanProcessor(span_exporter))
    trace.set_tracer_provider(provider)
    instrument(provider)
