"""Every request gets an id, an access-log line with its route, status, duration and queries,
a Server-Timing header when enabled, and a WARNING for each slow query."""

import json
import logging
import re

import pytest

from {{ cookiecutter.project_slug }}.core.observability.logs import JsonFormatter

ACCESS_LOGGER = "{{ cookiecutter.project_slug }}.core.observability.request_context"
SLOW_QUERY_LOGGER = "{{ cookiecutter.project_slug }}.core.observability.query_stats"

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.views")]


def lines_of(caplog, logger: str):
    return [record for record in caplog.records if record.name == logger]


# --- request id ------------------------------------------------------------------------------


def test_each_response_carries_a_fresh_request_id_or_the_one_nginx_set(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    nginx_id = "5f0c3b8e9a1d4e7f8a2b6c4d0e9f1a3b"

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert second != first
    assert client.get("/healthz", headers={"X-Request-ID": nginx_id})["X-Request-ID"] == nginx_id


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

    response = client.get("/crash/", headers={"X-Request-ID": "req-500"})

    assert response.status_code == 500
    assert response["X-Request-ID"] == "req-500"
    assert lines_of(caplog, ACCESS_LOGGER)[0].status == 500


# --- access log --------------------------------------------------------------------------------


def test_the_access_log_has_method_route_status_duration_and_the_requests_own_queries(
    client, caplog
):
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)

    for count in (0, 5, 3):
        client.get(f"/queries/{count}/")
    client.get("/no/such/page")

    *lines, unmatched = lines_of(caplog, ACCESS_LOGGER)
    # Counted per request, not since the process started.
    assert [line.db_queries for line in lines] == [0, 5, 3]
    line = lines[-1]
    assert line.levelno == logging.INFO
    assert (line.method, line.path, line.status) == ("GET", "/queries/3/", 200)
    # The URL pattern, not the path: one value per endpoint however many ids are requested.
    assert line.route == "queries/<int:count>/"
    assert (unmatched.status, unmatched.route) == (404, None)
    assert line.duration_ms >= line.db_ms > 0


# --- Server-Timing -----------------------------------------------------------------------------


def test_server_timing_gives_db_time_query_count_and_total_when_enabled(client, settings):
    settings.SERVER_TIMING = False
    assert "Server-Timing" not in client.get("/queries/2/")
    settings.SERVER_TIMING = True

    header = client.get("/queries/2/")["Server-Timing"]

    db, total = header.split(", ")
    assert re.fullmatch(r'db;dur=\d+\.\d\d;desc="2 queries"', db)
    assert re.fullmatch(r"total;dur=\d+\.\d\d", total)
    assert float(total.split("=")[1]) >= float(db.split(";")[1].split("=")[1])


# --- slow queries ------------------------------------------------------------------------------


def test_a_slow_query_is_a_warning_with_its_sql_duration_path_and_request_id(
    client, caplog, settings
):
    settings.SLOW_QUERY_MS = 30
    # Formatted as production ships it: the request id is read when the line is written.
    caplog.handler.setFormatter(JsonFormatter())

    client.get("/sleep/", headers={"X-Request-ID": "req-42"})
    client.get("/sleep/")

    lines = [json.loads(line) for line in caplog.text.splitlines()]
    first, second = [line for line in lines if line["logger"] == SLOW_QUERY_LOGGER]
    assert (first["request_id"], first["level"], first["path"]) == ("req-42", "WARNING", "/sleep/")
    assert first["sql"] == "SELECT pg_sleep(0.05)"
    assert first["duration_ms"] >= 50
    assert "/sleep/" in first["message"]
    assert "pg_sleep" in first["message"]
    assert re.fullmatch(r"[0-9a-f]{32}", second["request_id"])


@pytest.mark.parametrize(("path", "slow_ms"), [("/queries/5/", 30), ("/sleep/", 1000)])
def test_queries_under_the_threshold_are_not_slow(client, caplog, settings, path, slow_ms):
    settings.SLOW_QUERY_MS = slow_ms

    client.get(path)

    assert lines_of(caplog, SLOW_QUERY_LOGGER) == []
