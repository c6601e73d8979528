"""Reads go to a real hot standby, writes to the primary, and every client reads its own writes.

The standby (tests/standby.py) streams the primary's WAL, so its copy of the test database
follows each committed write a few milliseconds later. To show that a read sees a write because
it was routed to the primary, and not because replication was quick, the tests that need it
pause replay on the standby: a read that goes there then cannot find the write.
"""

import contextlib
import os
import time
from urllib.parse import quote, urlsplit

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import signing
from django.db import connections, router, transaction
from django.http import JsonResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

import {{ cookiecutter.project_slug }}.core.replica.read_your_writes as read_your_writes
import {{ cookiecutter.project_slug }}.core.replica.router as db_router
from config.settings.components.replica import replica_database

from tests.proofs.replica.standby import HotStandby
from tests.proofs.servers import free_port, wait_for

REPLICA = db_router.REPLICA
# The standby listens on a free port, unless DATABASE_REPLICA_DIRECT_URL names one.
DEFAULT_STANDBY_URL = None

pytestmark = [
    # Transactions commit, so that what the primary writes reaches the standby.
    pytest.mark.django_db(transaction=True, databases=["default", REPLICA]),
    pytest.mark.urls(__name__),
]


def in_recovery(alias: str) -> bool:
    """Whether the server behind this alias is a standby replaying WAL."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return cursor.fetchone()[0]


def probe(request, name):
    """POST creates the group; both methods then say whether it exists and where they read."""
    if request.method == "POST":
        Group.objects.create(name=name)
    groups = Group.objects.filter(name=name)
    return JsonResponse(
        {"found": groups.exists(), "read_from": groups.db, "standby": in_recovery(groups.db)}
    )


urlpatterns = [
    path("probe/groups/<str:name>/", probe),
    path("", include("config.urls")),
]

FROM_PRIMARY = {"found": True, "read_from": "default", "standby": False}
# What a read sent to the replica returns while the standby has not replayed the write.
FROM_LAGGING_REPLICA = {"found": False, "read_from": REPLICA, "standby": True}


# --- the standby and the replica alias ------------------------------------------------------


def primary_server() -> dict:
    """psycopg keywords for the PostgreSQL server the tests write to (behind any PgBouncer)."""
    db = settings.DATABASES["default"]
    keywords = {
        "host": db["HOST"] or "127.0.0.1",
        "port": int(db["PORT"] or 5432),
        "user": db["USER"] or "postgres",
        "password": db["PASSWORD"] or "",
        "dbname": db["NAME"],
    }
    with psycopg.connect(**keywords, autocommit=True) as connection:
        host, port = connection.execute(
            "SELECT host(inet_server_addr()), inet_server_port()"
        ).fetchone()
    return {**keywords, "host": host or keywords["host"], "port": port or keywords["port"]}


def standby_address() -> tuple[str, int]:
    url = os.environ.get("DATABASE_REPLICA_DIRECT_URL") or DEFAULT_STANDBY_URL
    if url is None:
        return "127.0.0.1", free_port()
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 5432


def replica_url(standby: HotStandby) -> str:
    """DATABASE_REPLICA_URL for the test database's copy on the standby."""
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "postgres", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    # Straight to the standby, as the rest of the suite reaches the primary.
    return f"postgres://{credentials}@{standby.host}:{standby.port}/{db['NAME']}"


def close_replica() -> None:
    if REPLICA in connections.settings:
        replica = connections[REPLICA]
        replica.close()
        replica.close_pool()  # with Django's pool: one pool per alias, kept by the class
        del connections[REPLICA]


@contextlib.contextmanager
def replica_alias(url: str):
    """The "replica" alias configured from url, as DATABASE_REPLICA_URL configures it."""
    previous = connections.settings.get(REPLICA)
    close_replica()
    databases = {"default": connections.settings["default"], REPLICA: replica_database(url)}
    connections.settings[REPLICA] = connections.configure_settings(databases)[REPLICA]
    try:
        yield
    finally:
        close_replica()
        if previous is None:
            del connections.settings[REPLICA]
        else:
            connections.settings[REPLICA] = previous


@pytest.fixture(scope="module")
def standby(django_db_setup):
    """A hot standby started after the test database exists, so it holds a copy of it."""
    primary = primary_server()
    host, port = standby_address()
    standby = HotStandby(primary, host, port, prefix=f"{primary['dbname']}-standby-")
    try:
        standby.start()
        yield standby
    finally:
        standby.stop()


@pytest.fixture(scope="module")
def replica(standby):
    with replica_alias(replica_url(standby)):
        yield standby


def answering() -> None:
    """Wait for the router's probe to find the replica answering."""
    db_router.replica_health.reset()
    assert wait_for(db_router.replica_health.usable), "the replica did not answer the probe"


@pytest.fixture(autouse=True)
def _new_unit_of_work(replica):
    """Each test starts like a request: nothing written yet, and the replica answering."""
    answering()
    with db_router.routing_scope():
        yield


@pytest.fixture
def replica_down():
    """The replica alias pointed at a port where nothing listens: a replica that is down."""
    with replica_alias(f"postgres://postgres@127.0.0.1:{free_port()}/down"):
        db_router.replica_health.reset()
        yield


def queries_on(alias: str) -> CaptureQueriesContext:
    return CaptureQueriesContext(connections[alias])


# --- routing ---------------------------------------------------------------------------------


def test_the_replica_is_a_hot_standby_and_the_primary_is_not():
    assert in_recovery(REPLICA) is True
    assert in_recovery("default") is False


def test_reads_go_to_the_replica():
    with queries_on("default") as on_primary, queries_on(REPLICA) as on_replica:
        list(Group.objects.all())
    assert len(on_replica) == 1
    assert len(on_primary) == 0


def test_writes_go_to_the_primary_and_so_do_the_reads_after_them():
    with queries_on("default") as on_primary, queries_on(REPLICA) as on_replica:
        Group.objects.create(name="editors")
        assert Group.objects.filter(name="editors").exists()
    assert [query["sql"].split()[0] for query in on_primary] == ["INSERT", "SELECT"]
    assert len(on_replica) == 0


def test_a_committed_write_streams_to_the_replica(replica):
    Group.objects.create(name="editors")
    replica.wait_for_replay()
    assert Group.objects.using(REPLICA).filter(name="editors").exists()


def test_reads_inside_a_transaction_on_the_primary_see_its_uncommitted_rows():
    with transaction.atomic():
        # An explicit using() bypasses the router: it is not a write the router sees.
        Group.objects.using("default").create(name="editors")
        assert Group.objects.filter(name="editors").exists()
    # The control: outside the transaction, the same unit of work reads from the replica.
    assert router.db_for_read(Group) == REPLICA


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate("default", "auth") is True
    assert router.allow_migrate(REPLICA, "auth") is False


# --- read-your-writes ------------------------------------------------------------------------


def test_a_request_that_wrote_reads_its_write_back_while_the_replica_lags(client, replica):
    with replica.replay_paused():
        response = client.post("/probe/groups/editors/")
    assert response.json() == FROM_PRIMARY


def test_the_client_that_wrote_reads_from_the_primary_and_others_from_the_replica(client, replica):
    with replica.replay_paused():
        client.post("/probe/groups/editors/")
        other_client = Client().get("/probe/groups/editors/").json()
        same_client = client.get("/probe/groups/editors/").json()
    assert other_client == FROM_LAGGING_REPLICA
    assert same_client == FROM_PRIMARY


def test_an_api_client_that_sends_the_header_back_reads_from_the_primary(replica):
    header = settings.READ_YOUR_WRITES_HEADER
    with replica.replay_paused():
        token = Client().post("/probe/groups/editors/").headers[header]
        with_token = Client(headers={header: token}).get("/probe/groups/editors/").json()
        without = Client().get("/probe/groups/editors/").json()
    assert with_token == FROM_PRIMARY
    assert without == FROM_LAGGING_REPLICA


def test_a_write_hands_out_a_token_that_lives_as_long_as_the_window(client):
    write = client.post("/probe/groups/editors/")
    cookie = write.cookies[settings.READ_YOUR_WRITES_COOKIE]
    assert cookie["max-age"] == settings.READ_YOUR_WRITES_SECONDS > 0
    assert cookie["httponly"] is True
    assert write.headers[settings.READ_YOUR_WRITES_HEADER] == cookie.value

    read = client.get("/probe/groups/editors/")
    assert settings.READ_YOUR_WRITES_COOKIE not in read.cookies
    assert settings.READ_YOUR_WRITES_HEADER not in read.headers


class SignedAMinuteAgo(signing.TimestampSigner):
    def timestamp(self):
        return signing.b62_encode(int(time.time()) - 60)


@pytest.mark.parametrize(
    ("signer", "reads_from"),
    [
        (signing.TimestampSigner(salt=read_your_writes.SALT), "default"),
        (SignedAMinuteAgo(salt=read_your_writes.SALT), REPLICA),
        (signing.TimestampSigner(salt="another-salt"), REPLICA),
        (signing.TimestampSigner(key="not-the-secret-key", salt=read_your_writes.SALT), REPLICA),
    ],
    ids=["fresh", "expired", "signed-for-something-else", "forged"],
)
def test_only_a_fresh_token_signed_by_the_project_pins_reads_to_the_primary(signer, reads_from):
    token = signer.sign("primary")
    client = Client(headers={settings.READ_YOUR_WRITES_HEADER: token})
    assert client.get("/probe/groups/editors/").json()["read_from"] == reads_from


# --- a replica that is down ------------------------------------------------------------------


def test_reads_fall_back_to_the_primary_while_the_replica_is_down(client, replica_down):
    Group.objects.using("default").create(name="editors")
    assert client.get("/probe/groups/editors/").json() == FROM_PRIMARY
    assert not db_router.replica_health.usable()


def test_no_request_connects_to_a_replica_that_does_not_answer(client, replica_down):
    client.get("/probe/groups/editors/")
    # Only the router's probe, on a thread of its own, tries it.
    assert connections[REPLICA].connection is None


def test_reads_return_to_the_replica_once_it_answers_again():
    with replica_alias(f"postgres://postgres@127.0.0.1:{free_port()}/down"):
        db_router.replica_health.reset()
        assert router.db_for_read(Group) == "default"
    answering()
    assert router.db_for_read(Group) == REPLICA


def test_readyz_checks_the_replica(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database:replica"] == "ok"


def test_readyz_reports_a_down_replica_and_stays_ready(client, replica_down):
    response = client.get("/readyz")
    # Reads fall back to the primary, so the process still serves: report, do not withdraw.
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["degraded"] == ["database:replica"]
    assert body["database:replica"] == "NotAnswering"
    assert body["database"] == "ok"
