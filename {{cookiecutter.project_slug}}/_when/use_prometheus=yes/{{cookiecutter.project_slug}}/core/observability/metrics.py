"""Prometheus metrics: requests by route and status, their latency and SQL, cache hits.

Built on prometheus_client directly: django-prometheus pins Django < 6.1, and the handful of
metrics below need no more than a middleware and a cache client.

Under gunicorn every worker is a process of its own: gunicorn.conf.py sets
PROMETHEUS_MULTIPROC_DIR, the workers write their samples there and /metrics adds them all up
(multiprocess_metrics.py). Without it (runserver, the test client) the samples stay in the
process. Every metric has labels, so none writes anything before the first request.
"""

import functools
import os
import time

from django.conf import settings
from django.utils.crypto import constant_time_compare
from django_redis.client import DefaultClient
from django_redis.exceptions import ConnectionInterrupted
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.django import PrometheusDjangoView
from prometheus_client.multiprocess import MultiProcessCollector

from ..api.errors import error_response, page_not_found
{%- if cookiecutter.background_tasks == "postgres" %}
from ..jobs.metrics import QUEUE_DEPTH
{%- endif %}
from . import multiprocess_metrics

# Any other method a client invents is counted as "other": labels must stay few.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Requests no URL pattern matched (404s, redirects to HTTPS) share one route label, so that
# scanners trying random paths cannot create new series.
UNMATCHED = "<unmatched>"

REQUESTS = Counter(
    "django_http_requests_total",
    "HTTP requests by method, URL pattern and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "django_http_request_duration_seconds",
    "Time to the response (middleware and view), by method, URL pattern and status.",
    ["method", "route", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DB_QUERIES = Histogram(
    "django_http_request_db_queries",
    "SQL queries per request, by method and URL pattern.",
    ["method", "route"],
    # An endpoint's count is flat when its queries are batched; a growing one is an N+1.
    buckets=(0, 1, 2, 3, 5, 10, 20, 50, 100),
)
DB_SECONDS = Histogram(
    "django_http_request_db_seconds",
    "Time spent in SQL queries per request, by method and URL pattern.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
CACHE_GETS = Counter(
    "django_cache_gets_total",
    "Reads from the default cache by result: hit, miss or error (Redis unreachable).",
    ["result"],
)


class PrometheusMiddleware:
    """Counts each request once it has its response. Sits right after RequestContextMiddleware,
    whose QueryStats (request.query_stats) has seen every query of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration = time.perf_counter() - started
        match = request.resolver_match
        route = match.route if match else UNMATCHED
        method = request.method if request.method in METHODS else "other"
        requests, latency, db_queries, db_seconds = _request_series(
            method, route, response.status_code
        )
        stats = request.query_stats
        requests.inc()
        latency.observe(duration)
        db_queries.observe(stats.queries)
        db_seconds.observe(stats.db_seconds)
        return response


# labels() validates its arguments and takes a lock: each series is looked up once per label
# values instead, and the labels are few (see above), so these caches stay small.
@functools.cache
def _request_series(method: str, route: str, status: int):
    return (
        REQUESTS.labels(method, route, str(status)),
        LATENCY.labels(method, route, str(status)),
        DB_QUERIES.labels(method, route),
        DB_SECONDS.labels(method, route),
    )


@functools.cache
def _cache_gets(result: str):
    return CACHE_GETS.labels(result)


_MISSING = object()


class MeteredRedisClient(DefaultClient):
    """django-redis's client, counting the hits and misses of get() and get_many().

    Counting here covers every cache read (cached pages, the catalog version, get_or_set) at
    the cost of one counter increment next to a Redis round trip; the sessions cache, if any,
    keeps the plain client.
    """

    def get(self, key, default=None, version=None, client=None):
        try:
            value = super().get(key, default=_MISSING, version=version, client=client)
        except ConnectionInterrupted:
            _cache_gets("error").inc()
            raise
        if value is _MISSING:
            _cache_gets("miss").inc()
            return default
        _cache_gets("hit").inc()
        return value

    def get_many(self, keys, version=None, client=None):
        try:
            found = super().get_many(keys, version=version, client=client)
        except ConnectionInterrupted:
            _cache_gets("error").inc(len(keys))
            raise
        if found:
            _cache_gets("hit").inc(len(found))
        if len(keys) > len(found):
            _cache_gets("miss").inc(len(keys) - len(found))
        return found


class MetricsView(PrometheusDjangoView):
    """GET /metrics in Prometheus' text format.

    nginx does not forward /metrics: only scrapers inside the network reach it. When
    METRICS_TOKEN is set, it also wants `Authorization: Bearer <token>` (Prometheus'
    `authorization` scrape setting); in production, without a token it answers 404.
    """

    def dispatch(self, request, *args, **kwargs):
        token = settings.METRICS_TOKEN
        if not token and not settings.METRICS_WITHOUT_TOKEN:
            return page_not_found(request)
        if token and not constant_time_compare(
            request.headers.get("Authorization", ""), f"Bearer {token}"
        ):
            response = error_response(401, "not_authenticated", "A metrics token is required.")
            response["WWW-Authenticate"] = "Bearer"
            return response
        if not self.multiprocess_mode:
            return super().dispatch(request, *args, **kwargs)
        with multiprocess_metrics.locked(os.environ["PROMETHEUS_MULTIPROC_DIR"], exclusive=False):
            return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        # Every gunicorn worker's samples (or this process's), and what is read at scrape time.
        self.registry = CollectorRegistry()
        if self.multiprocess_mode:
            MultiProcessCollector(self.registry)
        else:
            self.registry.register(REGISTRY)
{%- if cookiecutter.background_tasks == "postgres" %}
        # The job queue's depth, one query.
        self.registry.register(QUEUE_DEPTH)
{%- endif %}
        return super().get(request, *args, **kwargs)
