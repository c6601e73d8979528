"""PgBouncer restarts under the web instances: their client connections die with it, and
CONN_HEALTH_CHECKS replaces them before the next request's first query."""

import pytest

from .useragent import readiness

pytestmark = pytest.mark.django_db(transaction=True)


def test_requests_succeed_right_after_pgbouncer_restarts(topology, logged_in):
    pgbouncer = topology.pgbouncer
    for _ in range(8):
        assert logged_in.get(f"{topology.url}/readyz").status == 200
    old_pid = pgbouncer.pid()

    pgbouncer.down()
    # The control: while it is down, the database is unreachable.
    status, body = readiness(topology.web[0].url)
    assert status == 503
    assert body["failed"] == ["database"]
    pgbouncer.up()
    assert pgbouncer.pid() not in {None, old_pid}

    responses = [logged_in.get(f"{topology.url}/api/v1/me/") for _ in range(8)]
    responses += [logged_in.get(f"{topology.url}/readyz") for _ in range(8)]
    assert [r.status for r in responses] == [200] * 16
    assert {r.served_by for r in responses} == {f"127.0.0.1:{w.port}" for w in topology.web}
