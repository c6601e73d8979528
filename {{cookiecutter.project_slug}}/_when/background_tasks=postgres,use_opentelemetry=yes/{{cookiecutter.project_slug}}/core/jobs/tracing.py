"""Traces that follow a request into the jobs it defers.

defer() adds the deferring span's context (W3C traceparent) to the job's arguments; in the
worker, trace_job takes it out and runs the job in a span of that trace, so the job's SQL
and Redis calls appear under the request that queued it, however much later it runs.
"""

import functools

from opentelemetry import propagate, trace

from .. import jobs
from ..observability import tracing

# The keyword the trace context travels under in the job's arguments.
TRACE_CONTEXT = "_trace_context"

tracer = trace.get_tracer(__name__)


def current_trace_context() -> dict[str, str]:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def instrument() -> None:
    jobs.CARRIED[TRACE_CONTEXT] = current_trace_context


def uninstrument() -> None:
    jobs.CARRIED.pop(TRACE_CONTEXT, None)


@functools.cache
def start_tracing() -> None:
    """Once per worker process, at its first job: like gunicorn's workers, a worker process
    exports its own spans (OTEL_* variables)."""
    tracing.start()


async def trace_job(call_next, context, worker):
    """Worker middleware: the job runs in a span whose parent is the span that deferred it.

    The span is current in the job's asyncio task, whose context the task's thread inherits.
    """
    start_tracing()
    parent = propagate.extract(context.job.task_kwargs.pop(TRACE_CONTEXT, None) or {})
    attributes = {"messaging.system": "procrastinate", "messaging.message.id": context.job.id}
    with tracer.start_as_current_span(
        f"run {context.job.task_name}",
        context=parent,
        kind=trace.SpanKind.CONSUMER,
        attributes=attributes,
    ):
        return await call_next()
