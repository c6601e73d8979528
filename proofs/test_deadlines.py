"""Database work has the proxy's deadline: nginx answers 504 after 35 s, and PostgreSQL
cancels a statement, or ends a transaction left idle, after 30 s (set by
config/settings/components/database.py, or through PgBouncer by its pgbouncer.ini)."""

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

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


def test_each_direct_connection_has_a_30_second_deadline():
    # The tests' connection is direct, as the job workers' and migrations' are{% if cookiecutter.db_pooling == "pgbouncer" %} (PgBouncer
    # ignores the parameters that set these, and sets its own){% endif %}.
    with connection.cursor() as cursor:
        assert deadlines(cursor) == ["30s", "30s"]


def run_sql_with_the_projects_settings(sql: str, **env: str) -> tuple[str, float]:
    """Run sql on a connection made from the project's settings, in a process of its own;
    return the name of the error it raised and the seconds it took."""
    script = (
        "import sys, time, django; django.setup()\n"
        "from django.db import connection, OperationalError\n"
        "started = time.monotonic()\n"
        "try:\n"
        "    connection.cursor().execute(sys.argv[1])\n"
        "except OperationalError as error:\n"
        "    print(type(error.__cause__).__name__, round(time.monotonic() - started, 1))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, sql],
        cwd=servers.PROJECT_DIR,
        env={**os.environ, "DATABASE_URL": servers.database_url(), **env},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.stdout, result.stderr  # the statement did fail
    name, seconds = result.stdout.split()
    return name, float(seconds)


def test_a_statement_past_the_deadline_is_cancelled():
    # A 200 ms deadline, so that the test runs in a second.
    name, seconds = run_sql_with_the_projects_settings(
        "SELECT pg_sleep(5)", DATABASE_STATEMENT_TIMEOUT_MS="200"
    )
    assert (name, seconds < 2) == ("QueryCanceled", True)


@pytest.mark.django_db(transaction=True)
def test_writes_queued_behind_a_blocked_migration_wait_no_longer_than_its_lock_timeout():
    url = servers.database_url()
    with psycopg.connect(url) as reader, psycopg.connect(url, autocommit=True) as writer:
        # A long transaction that read the users' table, as a slow request or report does.
        reader.execute("SELECT count(*) FROM accounts_user")
        with ThreadPoolExecutor(max_workers=1) as pool:
            # What a migration runs, with the migrations' settings (make migrate, compose, the
            # Kubernetes Job), its lock timeout at 500 ms rather than 5 s.
            migration = pool.submit(
                run_sql_with_the_projects_settings,
                "ALTER TABLE accounts_user ADD COLUMN lock_probe integer",
                DATABASE_STATEMENT_TIMEOUT_MS="0",
                DATABASE_LOCK_TIMEOUT_MS="500",
            )
            assert servers.wait_for(lambda: migration_waits(writer), timeout=10)
            started = time.monotonic()
            # Queued behind the migration's lock request, as every query on the table is.
            writer.execute("UPDATE accounts_user SET last_login = last_login WHERE false")
            waited = time.monotonic() - started
            name, _ = migration.result()

    assert name == "LockNotAvailable"
    assert 0.2 < waited < 1.5  # it did queue (the control), then the migration gave up


def migration_waits(connection: psycopg.Connection) -> bool:
    row = connection.execute(
        "SELECT count(*) FROM pg_locks"
        " WHERE relation = 'accounts_user'::regclass AND mode = 'AccessExclusiveLock'"
        " AND NOT granted"
    ).fetchone()
    return bool(row and row[0])
