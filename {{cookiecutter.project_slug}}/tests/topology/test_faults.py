"""Parts of the topology fail while it serves: an instance dies, PostgreSQL drops the app's
connections, Redis stops. Every wait is bounded, and the topology fixture restarts whatever a
test stopped."""

import pytest
from django.db import connection

from tests.servers import wait_for

from .useragent import CUT_OFF, UserAgent, burst, readiness

pytestmark = pytest.mark.django_db(transaction=True)

# Four clients at a time, the instance killed after a third of the requests.
BURST, CONCURRENCY, KILL_AFTER = 60, 4, 20


def address(web) -> str:
    return f"127.0.0.1:{web.port}"


def test_when_an_instance_dies_mid_burst_nginx_sends_every_request_to_the_other(topology):
    doomed, survivor = topology.web
    agent = UserAgent()

    responses, killed_at = burst(
        lambda _: agent.get(f"{topology.url}/readyz"),
        count=BURST,
        concurrency=CONCURRENCY,
        fault_after=KILL_AFTER,
        fault=doomed.kill,
    )

    before = [r for r in responses if r.sent_at < killed_at]
    after = [r for r in responses if r.sent_at > killed_at]
    assert {r.served_by for r in before if r.status == 200} == {address(doomed), address(survivor)}
    # A GET that meets the dead instance (connection refused, or a kept-alive connection found
    # closed) is retried on the other: only a response the dead one had begun to send is cut
    # off, so at most the requests in flight when it died fail.
    assert {r.status for r in before} <= {200, CUT_OFF}
    assert len([r for r in before if r.status != 200]) <= CONCURRENCY
    # Afterwards every request succeeds, on the other instance.
    assert len(after) >= BURST - KILL_AFTER - CONCURRENCY
    assert [r.status for r in after] == [200] * len(after)
    assert {r.served_by for r in after} == {address(survivor)}


def app_backends(topology) -> set[int]:
    """The PostgreSQL backends serving the web instances' connections, by the application
    name each instance sets (PGAPPNAME), on the test database only."""
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
        assert logged_in.get(f"{topology.url}/readyz").status == 200
    before = app_backends(topology)
    # The control: the instances hold connections for the termination to break.
    assert before

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s) AS pid", [list(before)])
    assert wait_for(lambda: not (app_backends(topology) & before))

    responses = [logged_in.get(f"{topology.url}/api/v1/me/") for _ in range(8)]
    responses += [logged_in.get(f"{topology.url}/readyz") for _ in range(8)]
    assert [r.status for r in responses] == [200] * 16
    assert {r.served_by for r in responses} == {address(web) for web in topology.web}
    assert app_backends(topology).isdisjoint(before)


def throttle_keys(redis_server) -> list[bytes]:
    return redis_server.client().keys("*throttle*")


def test_while_the_cache_redis_is_stopped_reads_answer_and_readyz_names_redis(
    topology, redis_servers, logged_in, user
):
    cache = redis_servers["cache"]
    assert logged_in.get(f"{topology.url}/api/v1/me/").status == 200
    # The control: the app does use this Redis (the throttle keeps its counters there).
    assert throttle_keys(cache)

    cache.stop()
    # Reads still answer, from the database; throttling skips the counters it cannot reach.
    reads = [logged_in.get(f"{topology.url}/api/v1/me/") for _ in range(4)]
    assert [r.status for r in reads] == [200] * 4
    assert {r.json()["username"] for r in reads} == {user.username}
    assert UserAgent().get(f"{topology.url}/healthz").status == 200
    for web in topology.web:
        status, body = readiness(web.url)
        assert status == 503
        assert body["failed"] == ["redis"]
        assert body["database"] == "ok"

    cache.start()
    for web in topology.web:
        assert wait_for(lambda url=web.url: readiness(url)[0] == 200, timeout=10)
    assert logged_in.get(f"{topology.url}/api/v1/me/").status == 200
    # The cache is written to again.
    assert throttle_keys(cache)
