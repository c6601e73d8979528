"""Measurements that need Django in-process rather than a load generator; prints JSON.

    python inprocess.py queries ENDPOINTS_JSON   # SQL queries of one request per endpoint
    python inprocess.py claims                   # the scaling claims, one by one

Run by harness.py with the generated project's interpreter, in its directory, with
DJANGO_SETTINGS_MODULE naming the variant (the project's production settings, or
bench_defaults.settings) and the environment of the servers.

claims also reads BENCH_DIRECT_URL and, where the project runs PgBouncer, BENCH_PGBOUNCER_URL:
the same database reached directly and through PgBouncer. BENCH_PROJECT_PACKAGE names the
project's package.
"""

import io
import json
import logging
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

sys.path.insert(0, os.getcwd())

import django

django.setup()

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils.module_loading import import_string

# startproject's MIDDLEWARE (Django 4.0 to 6.x).
STARTPROJECT_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]


def a_client() -> dict[str, str]:
    """An X-Forwarded-For of a client of its own, as in the load runs: the throttle counts
    each client apart, and one client sending thousands of requests is not what production
    sees."""
    return {"X-Forwarded-For": f"10.{random.randrange(256)}.{random.randrange(256)}.1"}


def with_param(path: str, name: str | None) -> str:
    if not name:
        return path
    return f"{path}{'&' if '?' in path else '?'}{name}={uuid.uuid4().hex}"


def count_queries(endpoints: list[dict]) -> dict[str, int | None]:
    """One request to each endpoint after a first one, which warms what a cache would keep;
    None where the request is refused."""
    client = Client()
    counts = {}
    for endpoint in endpoints:
        headers = {**a_client(), **(endpoint.get("headers") or {})}
        path, unique = endpoint["path"], endpoint.get("unique_param")
        method, body = endpoint.get("method", "GET").lower(), endpoint.get("body")
        kwargs = {"headers": headers}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        first = getattr(client, method)(with_param(path, unique), **kwargs)
        if endpoint.get("revalidate") and first.has_header("ETag"):
            headers["If-None-Match"] = first["ETag"]
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method)(with_param(path, unique), **kwargs)
        # None: refused (the defaults cannot read the template's Redis sessions).
        counts[endpoint["name"]] = len(queries) if response.status_code < 400 else None
    return counts


def median_seconds(work: Callable[[], object], repeat: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        work()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def row(claim: str, variant: str, seconds: float, unit: str, queries: int | None = None) -> dict:
    return {
        "claim": claim,
        "variant": variant,
        "seconds": seconds,
        "unit": unit,
        "queries": queries,
    }


# --- Claims ------------------------------------------------------------------------------------


def database_wrapper(url: str, alias: str, **overrides):
    """A connection like the app's default one (its backend, its health check), to another
    address, with other options."""
    from django.db import connections

    parts = urlsplit(url)
    settings_dict = {
        **connection.settings_dict,
        "HOST": parts.hostname,
        "PORT": str(parts.port or 5432),
        "OPTIONS": {},
        **overrides,
    }
    return type(connections["default"])(settings_dict, alias=alias)


def connection_claims(repeat: int = 300) -> list[dict]:
    """One request's worth of database work, `SELECT 1`, and what Django does around it at the
    end of a request (close_if_unusable_or_obsolete): close with CONN_MAX_AGE=0, keep with a
    persistent connection (and check it at the next request's first query: health checks),
    return it to the pool with Django's psycopg pool."""
    direct = os.environ["BENCH_DIRECT_URL"]
    # Only where the project runs PgBouncer (the benchmark starts one from its config).
    pgbouncer = os.environ.get("BENCH_PGBOUNCER_URL")
    variants = [
        ("direct, new connection per request (CONN_MAX_AGE=0)", direct, {"CONN_MAX_AGE": 0}),
        ("PgBouncer, new connection per request", pgbouncer, {"CONN_MAX_AGE": 0}),
        (
            "direct, persistent (CONN_MAX_AGE=60, health checks)",
            direct,
            {"CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True},
        ),
        (
            "PgBouncer, persistent (health checks)",
            pgbouncer,
            {"CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True},
        ),
        (
            "direct, Django's psycopg pool",
            direct,
            {"CONN_MAX_AGE": 0, "OPTIONS": {"pool": {"min_size": 1, "max_size": 1}}},
        ),
    ]
    rows = []
    for number, (label, url, overrides) in enumerate(variants):
        if url is None:
            continue
        if "pool" in overrides.get("OPTIONS", {}):
            try:
                import psycopg_pool  # noqa: F401
            except ImportError:
                continue
        wrapper = database_wrapper(url, f"bench_{number}", **overrides)

        def one_request(wrapper=wrapper):
            with wrapper.cursor() as cursor:
                cursor.execute("SELECT 1")
            wrapper.close_if_unusable_or_obsolete()

        try:
            seconds = median_seconds(one_request, repeat)
        finally:
            wrapper.close()
            if "pool" in overrides.get("OPTIONS", {}):
                wrapper.close_pool()
        rows.append(row("a DB connection per request", label, seconds, "request"))
    return rows


def healthz_environ() -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/healthz",
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def middleware_claims(repeat: int = 3000) -> list[dict]:
    """GET /healthz through Django's WSGI handler, whose view does no I/O, with three stacks."""
    from django.core.handlers.wsgi import WSGIHandler

    def start_response(status, headers, exc_info=None):
        assert status.startswith("200"), status

    template = list(settings.MIDDLEWARE)
    stacks = [
        ("none: Django's handler and the view alone", [], logging.INFO),
        (f"the template's ({len(template)} middleware)", template, logging.INFO),
        ("the template's, without its access-log line", template, logging.WARNING),
        (
            f"startproject's ({len(STARTPROJECT_MIDDLEWARE)} middleware)",
            STARTPROJECT_MIDDLEWARE,
            logging.INFO,
        ),
    ]
    package = os.environ["BENCH_PROJECT_PACKAGE"]
    access_log = logging.getLogger(f"{package}.core.observability.request_context")
    rows = []
    for label, stack, level in stacks:
        access_log.setLevel(level)
        with override_settings(MIDDLEWARE=stack):
            handler = WSGIHandler()

            def one_request(handler=handler):
                response = handler(healthz_environ(), start_response)
                b"".join(response)
                response.close()

            seconds = median_seconds(one_request, repeat, warmup=100)
        rows.append(row("the middleware stack", label, seconds, "request"))
    access_log.setLevel(logging.NOTSET)
    return rows


def n_plus_one_claims(package: str, repeat: int = 50) -> list[dict]:
    """A page of 20 products with their category and tags, through a plain ModelSerializer:
    from a bare queryset (a query per product and relation), and from one that loads the
    relations up front. The template's own list view is measured in cache_claims."""
    from rest_framework import serializers

    product_model = import_string(f"{package}.catalog.models.Product")

    class CategorySerializer(serializers.ModelSerializer):
        class Meta:
            model = product_model._meta.get_field("category").related_model
            fields = ("id", "slug", "name")

    class ProductSerializer(serializers.ModelSerializer):
        category = CategorySerializer()
        tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")

        class Meta:
            model = product_model
            fields = ("id", "sku", "name", "price", "stock", "category", "tags")

    def render(queryset):
        return ProductSerializer(list(queryset.order_by("-id")[:20]), many=True).data

    loaded = product_model.objects.select_related("category").prefetch_related("tags")
    variants = [
        ("select_related + prefetch_related", lambda: render(loaded)),
        ("plain queryset (N+1)", lambda: render(product_model.objects.all())),
    ]
    rows = []
    for label, work in variants:
        with CaptureQueriesContext(connection) as queries:
            work()
        count = len(queries)
        seconds = median_seconds(work, repeat)
        rows.append(row("a list of 20 products, ModelSerializer", label, seconds, "list", count))
    return rows


def bulk_claims(package: str, count: int = 1000) -> list[dict]:
    """`count` new tags: a loop of save() (each its own transaction, as in a view or a script
    without atomic()), the same loop in one transaction, and bulk_create."""
    Tag = import_string(f"{package}.catalog.models.Tag")
    prefix = f"bench-{uuid.uuid4().hex[:8]}"

    def tags():
        return [Tag(slug=f"{prefix}-{i}") for i in range(count)]

    def save_loop():
        for tag in tags():
            tag.save()

    def save_loop_atomic():
        with transaction.atomic():
            save_loop()

    def bulk():
        Tag.objects.bulk_create(tags(), batch_size=1000)

    variants = [
        ("loop of save(), autocommit", save_loop),
        ("loop of save() in one transaction", save_loop_atomic),
        ("bulk_create(batch_size=1000)", bulk),
    ]
    rows = []
    for label, work in variants:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            work()
            seconds = time.perf_counter() - started
        Tag.objects.filter(slug__startswith=prefix).delete()
        rows.append(
            row(f"inserting {count:,} rows", label, seconds, f"{count} rows", len(queries))
        )
    return rows


def cache_claims(repeat: int = 100) -> list[dict]:
    """The anonymous products list (a page of 20) through the whole stack in one thread:
    served from Redis, and computed from the database (a new query parameter makes a new
    cache key)."""
    client = Client()
    path = "/api/v1/products/"

    def get(url):
        response = client.get(url, headers=a_client())
        assert response.status_code == 200, response.status_code

    get(path)  # stores the page
    rows = []
    for label, work in [
        ("cache hit", lambda: get(path)),
        ("cache miss", lambda: get(with_param(path, "nocache"))),
    ]:
        with CaptureQueriesContext(connection) as queries:
            work()
        # Counted now: each request through the test client empties connection.queries.
        count = len(queries)
        seconds = median_seconds(work, repeat)
        rows.append(row("the products list in-process", label, seconds, "request", count))
    return rows


def main(argv: list[str]) -> int:
    command = argv[0]
    if command == "queries":
        print(json.dumps(count_queries(json.loads(argv[1]))))
    elif command == "claims":
        package = os.environ["BENCH_PROJECT_PACKAGE"]
        rows = [
            *connection_claims(),
            *middleware_claims(),
            *n_plus_one_claims(package),
            *bulk_claims(package),
            *cache_claims(),
        ]
        print(json.dumps(rows))
    else:
        raise SystemExit(f"unknown command {command!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
