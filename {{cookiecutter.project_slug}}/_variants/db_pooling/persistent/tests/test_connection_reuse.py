"""Persistent connections: a worker serves request after request on one Postgres backend.

Measured on a real gunicorn worker, from pg_stat_activity: Django's test client keeps a single
connection open for a whole test, so it cannot show reuse.
"""

import pytest
from django.conf import settings

from tests.servers import backend_pids, get, gunicorn, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

APP = "connection-reuse-probe"


def test_settings_keep_connections_open_and_check_them():
    database = settings.DATABASES["default"]
    assert database["CONN_MAX_AGE"] > 0
    assert database["CONN_HEALTH_CHECKS"] is True


def test_one_backend_serves_every_request_of_a_worker():
    with gunicorn(env={"PGAPPNAME": APP, "WEB_THREADS": "1", "CONN_MAX_AGE": "60"}) as url:
        seen = []
        for _ in range(10):
            assert get(f"{url}/readyz")[0] == 200
            seen.append(backend_pids(APP))
    assert len(seen[0]) == 1
    assert all(pids == seen[0] for pids in seen)


def test_without_conn_max_age_every_request_connects_again():
    """The control: the same probe sees the connection close after each request."""
    with gunicorn(env={"PGAPPNAME": APP, "WEB_THREADS": "1", "CONN_MAX_AGE": "0"}) as url:
        for _ in range(3):
            assert get(f"{url}/readyz")[0] == 200
            assert wait_for(lambda: not backend_pids(APP))
