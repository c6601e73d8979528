"""Database work has the proxy's deadline: nginx answers 504 after 35 s, and PostgreSQL
cancels a statement, or ends a transaction left idle, after 30 s (set by
config/settings/components/database.py, or through PgBouncer by its pgbouncer.ini)."""

import os
import subprocess
import sys

import psycopg
import pytest
from django.db import connection

from tests.proofs import servers

THROUGH_PGBOUNCER = (servers.DEPLOY_DIR / "pgbouncer" / "pgbouncer.ini").exists()

pytestmark = pytest.mark.django_db


def deadlines(cursor) -> list[str]:
    cursor.execute("SHOW statement_timeout")
    statement = cursor.fetchone()[0]
    cursor.execute("SHOW idle_in_transaction_session_timeout")
    return [statement, cursor.fetchone()[0]]


@pytest.mark.skipif(not THROUGH_PGBOUNCER, reason="direct connections: see below")
def test_each_server_connection_of_pgbouncer_has_a_30_second_deadline():
    with servers.pgbouncer(servers.runtime_dir(), servers.database_url()) as pgbouncer:
        url = servers.database_url(port=pgbouncer.port)
        with psycopg.connect(url, autocommit=True) as through_pgbouncer:
            assert deadlines(through_pgbouncer.cursor()) == ["30s", "30s"]


@pytest.mark.skipif(THROUGH_PGBOUNCER, reason="set by PgBouncer: see above")
def test_each_connection_has_a_30_second_deadline():
    with connection.cursor() as cursor:
        assert deadlines(cursor) == ["30s", "30s"]


@pytest.mark.skipif(THROUGH_PGBOUNCER, reason="set by PgBouncer: see above")
def test_a_statement_past_the_deadline_is_cancelled():
    # The project's own settings, with a 200 ms deadline so that the test runs in a second.
    script = (
        "import time, django; django.setup()\n"
        "from django.db import connection, OperationalError\n"
        "started = time.monotonic()\n"
        "try:\n"
        "    connection.cursor().execute('SELECT pg_sleep(5)')\n"
        "except OperationalError as error:\n"
        "    print(type(error.__cause__).__name__, round(time.monotonic() - started, 1))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=servers.PROJECT_DIR,
        env={
            **os.environ,
            "DATABASE_URL": servers.database_url(),
            "DATABASE_STATEMENT_TIMEOUT_MS": "200",
        },
        capture_output=True,
        text=True,
        timeout=30,
    )
    name, seconds = result.stdout.split()
    assert name == "QueryCanceled", result.stderr
    assert float(seconds) < 2
