"""Each request is traced: one span for the request, its SQL queries and Redis commands as
children, and the request id its log lines carry. Gunicorn starts tracing in each worker."""

import io
import json
import logging

import pytest

from {{ cookiecutter.project_slug }}.core.observability.logs import JsonFormatter

from tests.tracing import children, recorded_spans, request_span

ACCESS_LOGGER = "{{ cookiecutter.project_slug }}.core.observability.request_context"

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def spans():
    with recorded_spans() as exporter:
        yield exporter


@pytest.fixture(autouse=True)
def _no_spans_yet(spans):
    spans.clear()


def test_a_request_is_one_span_with_its_sql_and_redis_calls_as_children(client, spans):
    assert client.get("/readyz").status_code == 200

    request = request_span(spans)
    assert request.name == "GET readyz"
    # readyz runs SELECT 1 on the database and PINGs Redis.
    (sql,) = children(spans, request, "postgresql")
    assert "SELECT 1" in sql.attributes.get("db.statement", sql.attributes.get("db.query.text"))
    assert children(spans, request, "redis")


def test_a_request_that_touches_nothing_has_no_child_spans(client, spans):
    """The control for the test above: children come from the request's own calls."""
    client.get("/healthz")

    request = request_span(spans)
    # Under the request's span: a background thread may trace queries of its own meanwhile,
    # each in a trace of its own.
    assert children(spans, request, "postgresql") == []
    assert children(spans, request, "redis") == []


def test_the_request_id_joins_the_log_line_and_the_span(client, spans):
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(JsonFormatter())
    access_log = logging.getLogger(ACCESS_LOGGER)
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    try:
        response = client.get("/healthz")
    finally:
        access_log.removeHandler(handler)
        access_log.setLevel(logging.NOTSET)

    (line,) = [json.loads(line) for line in output.getvalue().splitlines()]
    request_id = response["X-Request-ID"]
    assert line["request_id"] == request_id
    assert (request_span(spans).attributes or {})["request_id"] == request_id
