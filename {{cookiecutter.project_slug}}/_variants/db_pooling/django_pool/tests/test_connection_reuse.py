"""Django's connection pool: each worker opens WEB_THREADS connections and lends them out.

Measured on a real gunicorn worker, from pg_stat_activity: Django's test client keeps a single
connection open for a whole test, so it cannot show reuse.
"""

import pytest
from django.conf import settings

from config.settings.database import WEB_THREADS

from tests.servers import backend_pids, get, gunicorn, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

APP = "connection-pool-probe"


def test_settings_use_a_pool_sized_to_the_worker_threads():
    database = settings.DATABASES["default"]
    pool = database["OPTIONS"]["pool"]
    assert database["CONN_MAX_AGE"] == 0  # Django refuses anything else with a pool
    # As many connections as gunicorn threads: no thread waits, none sits idle.
    assert pool["min_size"] == pool["max_size"] == WEB_THREADS


def test_the_pool_serves_every_request_from_the_same_connections():
    with gunicorn(env={"PGAPPNAME": APP, "WEB_THREADS": "2"}) as url:
        assert get(f"{url}/readyz")[0] == 200
        pool = wait_for(lambda: len(backend_pids(APP)) == 2 and backend_pids(APP))
        for _ in range(10):
            assert get(f"{url}/readyz")[0] == 200
            assert backend_pids(APP) == pool
    assert len(pool) == 2


def test_connections_close_when_the_worker_stops():
    with gunicorn(env={"PGAPPNAME": APP, "WEB_THREADS": "1"}) as url:
        assert get(f"{url}/readyz")[0] == 200
        assert len(backend_pids(APP)) == 1
    assert wait_for(lambda: not backend_pids(APP))
