"""Every request gets an id, an access-log line with its route, status, duration and queries,
a Server-Timing header when enabled, and a WARNING for each slow query."""

import io
import json
import logging
import re

import pytest
from django.db import connection
from django.http import JsonResponse
from django.urls import include, path

from {{ cookiecutter.project_slug }}.core.observability.logs import JsonFormatter

ACCESS_LOGGER = "{{ cookiecutter.project_slug }}.core.observability.request_context"
SLOW_QUERY_LOGGER = "{{ cookiecutter.project_slug }}.core.observability.query_stats"


def run_queries(request, count):
    with connection.cursor() as cursor:
        for _ in range(count):
            cursor.execute("SELECT 1")
    return JsonResponse({"queries": count})


def sleep_in_database(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.05)")
    return JsonResponse({})


def fail(request):
    raise RuntimeError("boom")


# This module is also the URLconf of its tests: a few views around the project's own URLs.
urlpatterns = [
    path("queries/<int:count>/", run_queries),
    path("sleep/", sleep_in_database),
    path("fail/", fail),
    path("", include("config.urls")),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def access_lines(caplog):
    return [record for record in caplog.records if record.name == ACCESS_LOGGER]


def slow_query_lines(caplog):
    return [record for record in caplog.records if record.name == SLOW_QUERY_LOGGER]


# --- request id ------------------------------------------------------------------------------


def test_each_response_carries_a_fresh_request_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert second != first


def test_the_request_id_set_by_nginx_is_kept_and_echoed(client):
    nginx_id = "5f0c3b8e9a1d4e7f8a2b6c4d0e9f1a3b"

    response = client.get("/healthz", headers={"X-Request-ID": nginx_id})

    assert response["X-Request-ID"] == nginx_id
    assert response.wsgi_request.request_id == nginx_id


def test_every_line_logged_while_serving_a_request_carries_its_id(client, settings):
    settings.SLOW_QUERY_MS = 30
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(JsonFormatter())
    slow_queries = logging.getLogger(SLOW_QUERY_LOGGER)
    slow_queries.addHandler(handler)
    try:
        client.get("/sleep/", headers={"X-Request-ID": "req-42"})
        client.get("/sleep/")
    finally:
        slow_queries.removeHandler(handler)

    first, second = (json.loads(line) for line in output.getvalue().splitlines())
    assert (first["request_id"], first["level"], first["path"]) == ("req-42", "WARNING", "/sleep/")
    assert first["sql"] == "SELECT pg_sleep(0.05)"
    assert re.fullmatch(r"[0-9a-f]{32}", second["request_id"])


@pytest.mark.parametrize(
    "forged",
    ["", "x" * 129, "abc\nINFO fake log line", 'abc" injected="1', "<script>"],
    ids=["empty", "too-long", "newline", "quote", "markup"],
)
def test_a_malformed_request_id_is_replaced_by_a_fresh_one(client, forged):
    response = client.get("/healthz", headers={"X-Request-ID": forged})

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_errors_keep_their_request_id(client, caplog):
    client.raise_request_exception = False
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)

    response = client.get("/fail/", headers={"X-Request-ID": "req-500"})

    assert response.status_code == 500
    assert response["X-Request-ID"] == "req-500"
    assert access_lines(caplog)[0].status == 500


# --- access log --------------------------------------------------------------------------------


def test_the_access_log_has_method_route_status_duration_and_query_count(client, caplog):
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)

    client.get("/queries/3/")

    (line,) = access_lines(caplog)
    assert line.levelno == logging.INFO
    assert (line.method, line.path, line.status) == ("GET", "/queries/3/", 200)
    # The URL pattern, not the path: one value per endpoint however many ids are requested.
    assert line.route == "queries/<int:count>/"
    assert line.db_queries == 3
    assert line.duration_ms >= line.db_ms > 0


def test_the_query_count_follows_the_queries_each_request_runs(client, caplog):
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)

    for count in (0, 1, 5):
        client.get(f"/queries/{count}/")

    assert [line.db_queries for line in access_lines(caplog)] == [0, 1, 5]


def test_a_path_that_matches_no_pattern_has_no_route(client, caplog):
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)

    client.get("/no/such/page")

    (line,) = access_lines(caplog)
    assert (line.status, line.route) == (404, None)


# --- Server-Timing -----------------------------------------------------------------------------


def test_server_timing_is_off_unless_enabled(client, settings):
    settings.SERVER_TIMING = False

    assert "Server-Timing" not in client.get("/queries/2/")


def test_server_timing_gives_db_time_query_count_and_total(client, settings):
    settings.SERVER_TIMING = True

    header = client.get("/queries/2/")["Server-Timing"]

    db, total = header.split(", ")
    assert re.fullmatch(r'db;dur=\d+\.\d\d;desc="2 queries"', db)
    assert re.fullmatch(r"total;dur=\d+\.\d\d", total)
    assert float(total.split("=")[1]) >= float(db.split(";")[1].split("=")[1])


# --- slow queries ------------------------------------------------------------------------------


def test_a_slow_query_is_logged_with_its_duration_path_and_sql(client, caplog, settings):
    settings.SLOW_QUERY_MS = 30

    client.get("/sleep/")

    (line,) = slow_query_lines(caplog)
    assert line.levelno == logging.WARNING
    assert line.duration_ms >= 50
    assert line.path == "/sleep/"
    assert line.sql == "SELECT pg_sleep(0.05)"
    assert "/sleep/" in line.getMessage()
    assert "pg_sleep" in line.getMessage()


def test_fast_queries_are_not_logged_as_slow(client, caplog, settings):
    settings.SLOW_QUERY_MS = 30

    client.get("/queries/5/")

    assert slow_query_lines(caplog) == []


def test_the_slow_query_threshold_is_a_setting(client, caplog, settings):
    settings.SLOW_QUERY_MS = 1000

    client.get("/sleep/")

    assert slow_query_lines(caplog) == []
