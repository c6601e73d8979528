"""Parts of the topology fail while it serves: an instance dies, PostgreSQL drops the app's
connections, the cache's Redis stops. Every wait is bounded, and the topology fixture restarts
whatever a test stopped."""

import pytest
from django.db import connection

from tests.proofs.servers import wait_for

from .traffic import CUT_OFF, address, burst, send, served_by

pytestmark = pytest.mark.django_db(transaction=True)

# Four clients at a time, the instance killed after a third of the requests.
BURST, CONCURRENCY, KILL_AFTER = 60, 4, 20


def test_when_an_instance_dies_mid_burst_nginx_sends_every_request_to_the_other(topology, http):
    doomed, survivor = topology.web

    responses, killed_at = burst(
        lambda _: send(http, "GET", f"{topology.url}/readyz"),
        count=BURST,
        concurrency=CONCURRENCY,
        fault_after=KILL_AFTER,
        fault=doomed.kill,
    )

    before = [r for r in responses if r.sent_at < killed_at]
    after = [r for r in responses if r.sent_at > killed_at]
    assert {served_by(r) for r in before if r.status_code == 200} == {
        address(doomed),
        address(survivor),
    }
    # A GET that meets the dead instance is retried on the other: only a response the dead one
    # had begun to send is cut off, so at most the requests in flight when it died fail.
    assert {r.status_code for r in before} <= {200, CUT_OFF}
    assert len([r for r in before if r.status_code != 200]) <= CONCURRENCY
    assert len(after) >= BURST - KILL_AFTER - CONCURRENCY
    assert [r.status_code for r in after] == [200] * len(after)
    assert {served_by(r) for r in after} == {address(survivor)}


def app_backends(topology) -> set[int]:
    """The PostgreSQL backends serving the instances (by their PGAPPNAME) on the test database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = ANY(%s)",
            [[web.application_name for web in topology.web]],
        )
        return {pid for (pid,) in cursor.fetchall()}


def test_requests_succeed_right_after_the_apps_postgres_connections_are_terminated(
    topology, logged_in
):
    for _ in range(8):
        assert logged_in.get(f"{topology.url}/api/v1/me/").status_code == 200
    before = app_backends(topology)
    assert before  # the control: there are connections for the termination to break

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s) AS pid", [list(before)])
    assert wait_for(lambda: not (app_backends(topology) & before))

    responses = [logged_in.get(f"{topology.url}/api/v1/me/") for _ in range(8)]
    assert [r.status_code for r in responses] == [200] * 8
    assert {served_by(r) for r in responses} == {address(web) for web in topology.web}


def test_while_the_cache_redis_is_stopped_reads_answer_and_readyz_says_degraded(
    topology, logged_in, user
):
    assert logged_in.get(f"{topology.url}/api/v1/me/").status_code == 200

    topology.cache.stop()
    reads = [logged_in.get(f"{topology.url}/api/v1/me/") for _ in range(4)]

    assert [r.status_code for r in reads] == [200] * 4
    assert {r.json()["username"] for r in reads} == {user.username}
    # Still ready: a 503 from every instance at once would empty the load balancer.
    for web in topology.web:
        readiness = logged_in.get(f"{web.base_url}/readyz")
        assert readiness.status_code == 200
        assert readiness.json()["degraded"] == ["redis"]

    topology.cache.start()
    for web in topology.web:
        assert wait_for(
            lambda u=web.base_url: logged_in.get(f"{u}/readyz").json()["status"] == "ok", 10
        )
