"""/metrics: requests by route and status, their latency and SQL, cache hits and misses; the
same totals whichever gunicorn worker answers the scrape."""

import glob
import os
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.urls import include, path
from prometheus_client import REGISTRY
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.parser import text_string_to_metric_families

from tests import servers

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


# --- several gunicorn workers --------------------------------------------------------------------


def write_stale_count(path, route: str, count: float) -> None:
    """A counter file as a worker of a previous run would have left it."""
    stale = MmapedDict(str(path))
    key = mmap_key(
        "django_http_requests",
        "django_http_requests_total",
        ["method", "route", "status"],
        ["GET", route, "200"],
        "HTTP requests by method, URL pattern and status.",
    )
    stale.write_value(key, count, 0.0)
    stale.close()


@pytest.mark.django_db(transaction=True)
def test_totals_add_up_across_gunicorn_workers_and_their_restarts(tmp_path):
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    write_stale_count(metrics_dir / "counter_1.db", route="readyz", count=1000)
    requests = 60
    env = {
        "DATABASE_URL": servers.database_url(),
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "1",
        # Each worker is replaced after 15 requests, as max_requests does every ~1000.
        "GUNICORN_MAX_REQUESTS": "15",
        "GUNICORN_MAX_REQUESTS_JITTER": "0",
        "GUNICORN_PRELOAD": "true",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }

    def counter_files():
        return {os.path.basename(name) for name in glob.glob(f"{metrics_dir}/counter_*.db")}

    with servers.gunicorn(servers.runtime_dir(), env) as web:
        # The stale file of the previous run is gone before the first request.
        assert "counter_1.db" not in counter_files()
        # Four clients at once keep both single-threaded workers busy.
        with ThreadPoolExecutor(max_workers=4) as clients:
            readyz = f"{web.base_url}/readyz"
            statuses = list(clients.map(lambda _: httpx.get(readyz).status_code, range(requests)))
        assert statuses == [200] * requests

        response = httpx.get(f"{web.base_url}/metrics")
        body = response.content

        assert response.status_code == 200
        assert scraped(body, "django_http_requests_total", route="readyz") == requests
        assert scraped(body, "django_http_request_db_queries_count", route="readyz") == requests
        # /readyz runs SELECT 1 on each database.
        queries = requests * len(settings.DATABASES)
        assert scraped(body, "django_http_request_db_queries_sum", route="readyz") == queries
        # Workers that exited were folded into one archive: two live files and the archive.
        assert "counter_archive.db" in counter_files()
        assert servers.wait_for(lambda: len(counter_files()) <= 3)

    # A clean stop leaves nothing behind.
    assert not metrics_dir.exists()
