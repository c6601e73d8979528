"""Each environment's settings, loaded as its process loads them: development's SQL log and
Server-Timing, production's JSON lines, and gunicorn workers forked from a master that
configured logging."""

import json
import os
import subprocess
import sys

import httpx
import pytest

from tests.proofs.servers import PROJECT_DIR, database_url, gunicorn, runtime_dir, wait_for

pytestmark = pytest.mark.django_db

ACCESS_LOGGER = "{{ cookiecutter.project_slug }}.core.observability.request_context"
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "a-production-secret-key-for-this-test-only-0123456789abcdef",
    "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
}
QUERIES = """
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT 1")
    cursor.execute("SELECT %s", ["x" * 500])
    cursor.execute("SELECT pg_sleep(0.05)")
"""
REQUEST = """
from django.test import Client
response = Client().get("/healthz", headers={"X-Request-ID": "from-nginx-1"})
print(response.get("Server-Timing", "-"))
"""


def run(code: str, settings_module: str, **env: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=PROJECT_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DATABASE_URL": database_url(),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_development_logs_each_statement_on_one_short_line_and_flags_slow_ones():
    lines = run(QUERIES, "config.settings.dev", SLOW_QUERY_MS="30").stderr.splitlines()

    (fast,) = [line for line in lines if "SELECT 1" in line]
    (long,) = [line for line in lines if "xxx" in line]
    (slow,) = [line for line in lines if "pg_sleep" in line]
    assert fast.split()[0] == "DEBUG"
    assert fast.split()[2] == "ms"
    assert len(long) < 240
    assert long.endswith("…")
    assert slow.split()[0] == "SLOW"
    assert float(slow.split()[1]) >= 50


def test_the_slow_threshold_comes_from_the_environment():
    lines = run(QUERIES, "config.settings.dev", SLOW_QUERY_MS="1000").stderr.splitlines()

    (sleep,) = [line for line in lines if "pg_sleep" in line]
    assert sleep.split()[0] == "DEBUG"


def test_development_always_sends_server_timing():
    result = run(REQUEST, "config.settings.dev", SERVER_TIMING="false")

    assert result.stdout.strip().startswith('db;dur=0.00;desc="0 queries", total;dur=')


def test_production_logs_each_request_as_one_json_line():
    result = run(REQUEST, "config.settings.production", **PRODUCTION, SERVER_TIMING="false")

    # Python warnings (not log records) may print lines of their own.
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    (access,) = [line for line in lines if line["logger"] == ACCESS_LOGGER]
    assert access["level"] == "INFO"
    assert access["request_id"] == "from-nginx-1"
    assert (access["method"], access["route"], access["status"]) == ("GET", "healthz", 200)
    assert access["db_queries"] == 0
    assert access["duration_ms"] > 0
    # Opt-in in production.
    assert result.stdout.strip() == "-"


def test_gunicorn_workers_forked_from_the_master_write_their_json_lines():
    directory = runtime_dir()
    server = gunicorn(directory, {**PRODUCTION, "DATABASE_URL": database_url()})
    log = directory / f"web-{server.port}.log"
    with server:
        httpx.get(f"{server.base_url}/healthz", headers={"X-Request-ID": "forked-worker-1"})
        assert wait_for(lambda: "forked-worker-1" in log.read_text(errors="replace"))

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    (access,) = [line for line in lines if line.get("request_id") == "forked-worker-1"]
    assert (access["logger"], access["route"], access["status"]) == (ACCESS_LOGGER, "healthz", 200)
