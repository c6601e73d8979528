"""The development settings log every SQL query with its duration and flag the slow ones."""

import os
import subprocess
import sys

import pytest

from tests.servers import PROJECT_DIR, database_url

pytestmark = pytest.mark.django_db

QUERIES = """
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT 1")
    cursor.execute("SELECT pg_sleep(0.05)")
"""


def run_with_dev_settings(code: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=PROJECT_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "DATABASE_URL": database_url(),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_every_query_is_logged_with_its_duration_and_slow_ones_are_flagged():
    lines = run_with_dev_settings(QUERIES, SLOW_QUERY_MS="30").splitlines()

    (fast,) = [line for line in lines if "SELECT 1" in line]
    (slow,) = [line for line in lines if "pg_sleep" in line]
    assert fast.startswith("DEBUG")
    assert " ms " in fast
    assert slow.startswith("SLOW")
    assert float(slow.split()[1]) >= 50


def test_the_slow_threshold_comes_from_the_environment():
    lines = run_with_dev_settings(QUERIES, SLOW_QUERY_MS="1000").splitlines()
    (sleep,) = [line for line in lines if "pg_sleep" in line]
    assert sleep.startswith("DEBUG")
