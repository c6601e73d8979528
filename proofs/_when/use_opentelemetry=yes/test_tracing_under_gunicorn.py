"""Gunicorn starts tracing in each worker it forks, preloaded or not, and each worker exports
every request's span with its request id and its SQL."""

import httpx
import pytest
from django.conf import settings

from tests.proofs import servers
from tests.proofs.collector import Collector, attributes


@pytest.fixture
def collector():
    with Collector() as server:
        yield server


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("preload", ["true", "false"], ids=["preloaded", "not-preloaded"])
def test_gunicorn_workers_export_each_request_with_its_id(collector, preload):
    env = {
        "DATABASE_URL": servers.database_url(),
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "GUNICORN_PRELOAD": preload,
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_TRACES_SAMPLER": "always_on",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    }
    with servers.gunicorn(servers.runtime_dir(), env) as web:
        response = httpx.get(f"{web.base_url}/readyz", headers={"X-Request-ID": f"otel-{preload}"})
        assert response.status_code == 200

        def request_spans():
            return [
                span for span in collector.spans
                if attributes(span).get("request_id") == f"otel-{preload}"
            ]  # fmt: skip

        (request,) = servers.wait_for(request_spans, timeout=10)
    statements = [
        attributes(span).get("db.statement", attributes(span).get("db.query.text"))
        for span in collector.spans
        if span.parent_span_id == request.span_id
    ]
    assert request.name == "GET readyz"
    # The worker's new connection may set itself up first (its time zone).
    assert "SELECT 1" in statements
