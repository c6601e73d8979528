"""A standby behind PgBouncer, as the Kubernetes secrets example reaches it, that stops.

PgBouncer still accepts connections for it, and holds each query for it until a server
connection can be made, up to query_wait_timeout (10 s): a read sent there waits that long. The
router's probe meets the same wait, so the replica stops answering it, and within
REPLICA_TIMEOUT_SECONDS the reads go to the primary; readiness never asks.
"""

import time

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import router

import {{ cookiecutter.project_slug }}.core.replica.router as db_router

from tests.proofs import servers
from tests.proofs.replica import test_read_replica
from tests.proofs.replica.test_read_replica import (  # noqa: F401 (fixtures)
    REPLICA,
    answering,
    replica_alias,
    standby,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", REPLICA]),
    pytest.mark.urls(test_read_replica.__name__),
]


@pytest.fixture(scope="module")
def replica_behind_pgbouncer(standby):  # noqa: F811 (the fixture imported above)
    """The replica alias through deploy/pgbouncer/pgbouncer.ini, in front of the standby."""
    db = settings.DATABASES["default"]
    standby_url = f"postgres://postgres@{standby.host}:{standby.port}/postgres"
    with (
        servers.pgbouncer(servers.runtime_dir(), standby_url) as pgbouncer,
        replica_alias(f"postgres://{db['USER']}@127.0.0.1:{pgbouncer.port}/{db['NAME']}"),
    ):
        yield


@pytest.fixture(autouse=True)
def _new_unit_of_work(replica_behind_pgbouncer):
    answering()
    with db_router.routing_scope():
        yield


def test_reads_leave_a_stopped_standby_within_the_timeout_and_readiness_never_waits(
    client,
    standby,  # noqa: F811 (the fixture imported above)
):
    assert client.get("/probe/groups/editors/").json()["read_from"] == REPLICA

    with standby.stopped():
        stopped_at = time.monotonic()
        assert servers.wait_for(lambda: router.db_for_read(Group) == "default", timeout=15)
        left_after = time.monotonic() - stopped_at

        started = time.monotonic()
        read = client.get("/probe/groups/editors/")
        ready = client.get("/readyz")
        answered_in = time.monotonic() - started

    assert left_after <= settings.REPLICA_TIMEOUT_SECONDS + 0.5
    assert read.json()["read_from"] == "default"
    assert (ready.status_code, ready.json()["database:replica"]) == (200, "NotAnswering")
    # Neither waited on PgBouncer, which holds a query for the standby up to 10 s.
    assert answered_in < 1
