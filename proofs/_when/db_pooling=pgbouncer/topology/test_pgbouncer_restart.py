"""PgBouncer restarts under the web instances: their client connections die with it, and
CONN_HEALTH_CHECKS (core/postgresql) replaces them before the next request's first query."""

import pytest

from .traffic import address, served_by

pytestmark = pytest.mark.django_db(transaction=True)


def test_requests_succeed_right_after_pgbouncer_restarts(topology, logged_in):
    for _ in range(8):
        assert logged_in.get(f"{topology.url}/api/v1/me/").status_code == 200

    topology.pgbouncer.stop()
    # The control: while it is down, the database is unreachable.
    readiness = logged_in.get(f"{topology.web[0].base_url}/readyz")
    assert (readiness.status_code, readiness.json()["failed"]) == (503, ["database"])
    topology.pgbouncer.start()

    responses = [logged_in.get(f"{topology.url}/api/v1/me/") for _ in range(8)]
    assert [r.status_code for r in responses] == [200] * 8
    assert {served_by(r) for r in responses} == {address(web) for web in topology.web}
