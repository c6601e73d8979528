"""Each web worker reuses its database connections from one request to the next.

Measured on a real gunicorn worker: Django's test client keeps one connection open for a whole
test, so it cannot show reuse. Through PgBouncer, what persists is the worker's client
connection to PgBouncer (its SHOW CLIENTS), which borrows a server connection per transaction;
otherwise it is a PostgreSQL backend (pg_stat_activity).
"""

import httpx
import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.proofs import servers

pytestmark = pytest.mark.django_db(transaction=True)

USES_PGBOUNCER = (servers.DEPLOY_DIR / "pgbouncer" / "pgbouncer.ini").exists()
POOL = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
APP = "connection-reuse-probe"


def backends() -> set:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [APP])
        return {pid for (pid,) in cursor.fetchall()}


def pgbouncer_clients(port: int) -> set:
    admin_url = servers.database_url(port=port).rsplit("/", 1)[0] + "/pgbouncer"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        # The admin console speaks only the simple query protocol: libpq's PQexec.
        result = admin.pgconn.exec_(b"SHOW CLIENTS")
        columns = [result.fname(i).decode() for i in range(result.nfields)]
        rows = [
            {name: (result.get_value(row, i) or b"").decode() for i, name in enumerate(columns)}
            for row in range(result.ntuples)
        ]
    return {(row["addr"], row["port"]) for row in rows if row["application_name"] == APP}


@pytest.fixture
def app_connections():
    """(environment of a gunicorn that reaches the database, a probe of its connections)."""
    if not USES_PGBOUNCER:
        yield {"DATABASE_URL": servers.database_url()}, backends
        return
    with servers.pgbouncer(servers.runtime_dir(), servers.database_url()) as pgbouncer:
        env = {"DATABASE_URL": servers.database_url(port=pgbouncer.port)}
        yield env, lambda: pgbouncer_clients(pgbouncer.port)


def test_the_settings_reuse_and_check_connections():
    database = settings.DATABASES["default"]
    assert database["CONN_HEALTH_CHECKS"] is True
    if POOL:
        assert database["CONN_MAX_AGE"] == 0  # Django refuses anything else with its pool
        # As many connections as gunicorn threads: no thread waits, none sits idle.
        assert POOL["min_size"] == POOL["max_size"]
    else:
        assert database["CONN_MAX_AGE"] > 0
    # A server-side cursor outlives the transaction PgBouncer lends a server connection for.
    assert database.get("DISABLE_SERVER_SIDE_CURSORS", False) is USES_PGBOUNCER


@pytest.fixture
def probe():
    """A second connection to the test database, with the project's settings."""
    wrapper = connection.copy()
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


@pytest.mark.skipif(POOL is not None, reason="Django's pool checks a connection as it lends it")
def test_a_connection_the_server_closed_is_replaced_before_the_next_query(probe):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [probe.connection.info.backend_pid])
    assert servers.wait_for(lambda: not probe.is_usable())

    # What Django does before a request's first query on a reused connection.
    probe.health_check_done = False
    probe.close_if_health_check_failed()
    with probe.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_a_worker_serves_every_request_on_the_same_connection(app_connections):
    env, connections = app_connections
    env = {**env, "PGAPPNAME": APP, "WEB_THREADS": "1"}
    with servers.gunicorn(servers.runtime_dir(), env) as web:
        seen = []
        for _ in range(10):
            assert httpx.get(f"{web.base_url}/readyz").status_code == 200
            seen.append(connections())
        assert len(seen[0]) == 1
        assert all(current == seen[0] for current in seen)
    # The control: the probe sees this worker's connection, which closes when it stops.
    assert servers.wait_for(lambda: not connections())
