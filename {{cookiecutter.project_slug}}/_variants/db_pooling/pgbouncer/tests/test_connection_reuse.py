"""PgBouncer: each web thread keeps one client connection to PgBouncer across requests.

Measured on a real gunicorn worker, from PgBouncer's own SHOW CLIENTS: Django's test client
keeps a single connection open for a whole test, so it cannot show reuse.
"""

from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings

from tests.servers import database_url, get, gunicorn, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

APP = "pgbouncer-probe"


def pgbouncer_admin(command: str) -> list[dict[str, str]]:
    """Rows of a command on PgBouncer's admin console (the "pgbouncer" database)."""
    admin_url = urlunsplit(urlsplit(database_url())._replace(path="/pgbouncer"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        # The admin console speaks only the simple query protocol: use libpq's PQexec.
        result = admin.pgconn.exec_(command.encode())
        columns = [result.fname(i).decode() for i in range(result.nfields)]
        return [
            {
                column: (result.get_value(row, i) or b"").decode()
                for i, column in enumerate(columns)
            }
            for row in range(result.ntuples)
        ]


def pgbouncer_clients(application_name: str) -> set[tuple[str, str, str]]:
    """(address, port, connect time) of each PgBouncer client opened under application_name."""
    return {
        (row["addr"], row["port"], row["connect_time"])
        for row in pgbouncer_admin("SHOW CLIENTS")
        if row.get("application_name") == application_name
    }


def test_settings_go_through_pgbouncer_in_transaction_mode():
    database = settings.DATABASES["default"]
    assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert database["CONN_MAX_AGE"] > 0
    assert database["CONN_HEALTH_CHECKS"] is True
    # The app's host and port answer PgBouncer's admin console: it talks to PgBouncer.
    (pool,) = [p for p in pgbouncer_admin("SHOW POOLS") if p["database"] == database["NAME"]]
    assert pool["pool_mode"] == "transaction"


def test_one_pgbouncer_client_connection_serves_every_request_of_a_thread():
    with gunicorn(env={"PGAPPNAME": APP, "WEB_THREADS": "1", "CONN_MAX_AGE": "60"}) as url:
        seen = []
        for _ in range(10):
            assert get(f"{url}/readyz")[0] == 200
            seen.append(pgbouncer_clients(APP))
    assert len(seen[0]) == 1
    assert all(clients == seen[0] for clients in seen)


def test_without_conn_max_age_every_request_connects_again():
    """The control: the same probe sees the client connection close after each request."""
    with gunicorn(env={"PGAPPNAME": APP, "WEB_THREADS": "1", "CONN_MAX_AGE": "0"}) as url:
        for _ in range(3):
            assert get(f"{url}/readyz")[0] == 200
            assert wait_for(lambda: not pgbouncer_clients(APP))
