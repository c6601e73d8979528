"""/metrics: requests by route and status, their latency and SQL, cache hits and misses."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.urls import include, path
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

ROUTE = "queries/<int:count>/"


def run_queries(request, count):
    with connection.cursor() as cursor:
        for _ in range(count):
            cursor.execute("SELECT 1")
    return JsonResponse({"queries": count})


# This module is also the URLconf of its tests: one view around the project's own URLs.
urlpatterns = [
    path(ROUTE, run_queries),
    path("", include("config.urls")),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def value(name: str, **labels: str) -> float:
    """A sample of this process's registry (the test client serves requests in-process)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scraped(body: bytes, name: str, **labels: str) -> float:
    """The sum of the samples called `name` carrying `labels` in a /metrics response."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


# --- requests ----------------------------------------------------------------------------------


def test_requests_are_counted_by_method_route_and_status(client):
    labels = {"method": "GET", "route": ROUTE, "status": "200"}
    before = value("django_http_requests_total", **labels)
    latency_before = value("django_http_request_duration_seconds_count", **labels)

    client.get("/queries/1/")
    client.get("/queries/2/")
    client.post("/queries/1/")

    assert value("django_http_requests_total", **labels) == before + 2
    assert value("django_http_request_duration_seconds_count", **labels) == latency_before + 2
    assert value("django_http_requests_total", method="POST", route=ROUTE, status="200") >= 1


def test_queries_and_database_time_are_observed_per_request(client):
    labels = {"method": "GET", "route": ROUTE}
    count = value("django_http_request_db_queries_count", **labels)
    queries = value("django_http_request_db_queries_sum", **labels)
    at_most_two = value("django_http_request_db_queries_bucket", le="2.0", **labels)
    db_seconds = value("django_http_request_db_seconds_sum", **labels)

    client.get("/queries/2/")
    client.get("/queries/7/")

    assert value("django_http_request_db_queries_count", **labels) == count + 2
    assert value("django_http_request_db_queries_sum", **labels) == queries + 9
    assert value("django_http_request_db_queries_bucket", le="2.0", **labels) == at_most_two + 1
    assert value("django_http_request_db_seconds_sum", **labels) > db_seconds


def test_paths_that_match_no_pattern_share_one_route_label(client):
    labels = {"method": "GET", "route": "<unmatched>", "status": "404"}
    before = value("django_http_requests_total", **labels)

    client.get("/wp-login.php")
    client.get("/.env")

    assert value("django_http_requests_total", **labels) == before + 2


def test_invented_methods_share_one_method_label(client):
    before = value("django_http_requests_total", method="other", route="healthz", status="200")

    client.generic("BREW", "/healthz")

    assert value("django_http_requests_total", method="other", route="healthz", status="200") == (
        before + 1
    )


# --- cache -------------------------------------------------------------------------------------


def test_cache_hits_and_misses_are_counted():
    hits = value("django_cache_gets_total", result="hit")
    misses = value("django_cache_gets_total", result="miss")

    assert cache.get("colour") is None
    cache.set("colour", "blue")
    assert cache.get("colour") == "blue"
    assert cache.get_many(["colour", "size", "shape"]) == {"colour": "blue"}

    assert value("django_cache_gets_total", result="hit") == hits + 2
    assert value("django_cache_gets_total", result="miss") == misses + 3


@pytest.mark.usefixtures("redis_down")
def test_a_redis_outage_counts_as_errors_and_still_answers_the_default():
    errors = value("django_cache_gets_total", result="error")

    assert cache.get("colour", "fallback") == "fallback"

    assert value("django_cache_gets_total", result="error") == errors + 1


# --- the endpoint ------------------------------------------------------------------------------


def test_metrics_are_served_in_prometheus_text_format(client, settings):
    settings.METRICS_TOKEN = ""
    client.get("/healthz")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert scraped(response.content, "django_http_requests_total", route="healthz") >= 1


def test_with_a_token_set_metrics_need_it(client, settings):
    settings.METRICS_TOKEN = "scrape-secret"

    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    allowed = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
    assert allowed.status_code == 200
