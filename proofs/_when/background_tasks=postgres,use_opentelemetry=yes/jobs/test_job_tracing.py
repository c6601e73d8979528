"""A job runs in the trace of the code that deferred it: in the worker process, its span is a
child of the deferring span, and the job's SQL queries are children of its span."""

import pytest
from opentelemetry.sdk.trace import TracerProvider

from {{ cookiecutter.project_slug }}.core.jobs import defer
from {{ cookiecutter.project_slug }}.core.jobs import tracing as job_tracing

from tests.proofs import servers
from tests.proofs.collector import Collector
from tests.proofs.jobs import tasks
from tests.proofs.jobs.conftest import Workers, registered, wait_until_done


@pytest.fixture
def collector():
    with Collector() as server:
        yield server


@pytest.fixture
def traced_worker(collector, job_runs, monkeypatch, tmp_path):
    """A real worker that exports its spans to the collector, sampling every trace."""
    for name, value in {
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
        "OTEL_TRACES_SAMPLER": "always_on",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    }.items():
        monkeypatch.setenv(name, value)
    before = registered()
    worker = Workers.start(tmp_path / "worker.log")
    assert servers.wait_for(lambda: registered() - before, timeout=60)
    yield worker
    worker.stop()


def test_a_job_runs_in_the_trace_of_the_span_that_deferred_it(traced_worker, collector):
    tracer = TracerProvider().get_tracer(__name__)
    job_tracing.instrument()
    try:
        with tracer.start_as_current_span("POST api/v1/orders/") as request:
            defer(tasks.note_run, label="traced")
        # The control: deferred outside any span, a job starts a trace of its own.
        defer(tasks.note_run, label="untraced")
    finally:
        job_tracing.uninstrument()
    assert wait_until_done(timeout=10)

    def job_spans():
        spans = [span for span in collector.spans if span.name == f"run {tasks.note_run.name}"]
        return spans if len(spans) == 2 else None

    spans = servers.wait_for(job_spans, timeout=10)
    assert spans, "the worker exported no job spans"
    request_context = request.get_span_context()
    (traced,) = [span for span in spans if span.parent_span_id]
    (untraced,) = [span for span in spans if not span.parent_span_id]
    assert int.from_bytes(traced.trace_id) == request_context.trace_id
    assert int.from_bytes(traced.parent_span_id) == request_context.span_id
    assert int.from_bytes(untraced.trace_id) != request_context.trace_id
    # The job's own SQL (it notes its run) is part of its trace.
    assert servers.wait_for(
        lambda: [span for span in collector.spans if span.parent_span_id == traced.span_id]
    )
