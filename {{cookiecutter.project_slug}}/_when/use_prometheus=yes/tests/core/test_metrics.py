"""/metrics: requests by route and status, their latency and SQL, cache hits and misses."""

import pytest
from django.core.cache import cache
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from tests.core.views import QUERIES_ROUTE as ROUTE

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.views")]


def value(name: str, **labels: str) -> float:
    """A sample of this process's registry (the test client serves requests in-process)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


# --- requests ----------------------------------------------------------------------------------


def test_requests_are_counted_and_timed_by_method_route_and_status_with_their_sql(client):
    get = {"method": "GET", "route": ROUTE}
    get_ok = {**get, "status": "200"}
    # What the two GETs below, of 2 and 7 queries, add to each series.
    increases = [
        ("django_http_requests_total", get_ok, 2),
        ("django_http_request_duration_seconds_count", get_ok, 2),
        ("django_http_request_db_queries_count", get, 2),
        ("django_http_request_db_queries_sum", get, 2 + 7),
        ("django_http_request_db_queries_bucket", {"le": "2.0", **get}, 1),
    ]
    before = [value(name, **labels) for name, labels, _ in increases]
    db_seconds = value("django_http_request_db_seconds_sum", **get)

    client.get("/queries/2/")
    client.get("/queries/7/")
    client.post("/queries/1/")

    after = [value(name, **labels) for name, labels, _ in increases]
    assert [a - b for a, b in zip(after, before, strict=True)] == [n for *_, n in increases]
    assert value("django_http_request_db_seconds_sum", **get) > db_seconds
    assert value("django_http_requests_total", method="POST", route=ROUTE, status="200") >= 1


def test_unmatched_paths_and_invented_methods_share_one_label_each(client):
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    invented = {"method": "other", "route": "healthz", "status": "200"}
    before = [value("django_http_requests_total", **labels) for labels in (unmatched, invented)]

    client.get("/wp-login.php")
    client.get("/.env")
    client.generic("BREW", "/healthz")

    after = [value("django_http_requests_total", **labels) for labels in (unmatched, invented)]
    assert after == [before[0] + 2, before[1] + 1]


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
    families = text_string_to_metric_families(response.content.decode())
    samples = [sample for family in families for sample in family.samples]
    assert any(
        (sample.name, sample.labels.get("route")) == ("django_http_requests_total", "healthz")
        for sample in samples
    )


def test_with_a_token_set_metrics_need_it(client, settings):
    settings.METRICS_TOKEN = "scrape-secret"

    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    allowed = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
    assert allowed.status_code == 200
