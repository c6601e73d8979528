"""An index added to a table in use, as catalog's migration 0003 adds one to the orders: built
concurrently, it makes no order placed meanwhile wait; built in one step, it makes every one
wait for the whole build, however short the migration's lock timeout."""

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import psycopg
import pytest
from django.contrib.auth import get_user_model

from tests.proofs import servers

# Enough orders that building the index takes about a second here.
ORDERS = 1_500_000
# The migration's lock timeout in this test: 500 ms rather than the deploys' 5 s.
LOCK_TIMEOUT_MS = 500


def migrate(target: str) -> None:
    """Migrate the catalog app to target as a deploy does: its own process, with the settings
    that make migrate, compose and the Kubernetes Job give it."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "catalog", target, "--no-input"],
        cwd=servers.PROJECT_DIR,
        env={
            **os.environ,
            "DATABASE_URL": servers.database_url(),
            "DATABASE_STATEMENT_TIMEOUT_MS": "0",
            "DATABASE_LOCK_TIMEOUT_MS": str(LOCK_TIMEOUT_MS),
        },
        capture_output=True,
        check=True,
        timeout=120,
    )


def longest_write_while(change: Callable[[], None], user_id: int) -> tuple[float, int, float]:
    """Place orders one after another while change() runs; return the longest an order took,
    how many were placed, and how long change() took."""
    stop = threading.Event()
    durations: list[float] = []

    def place_orders() -> None:
        with psycopg.connect(servers.database_url(), autocommit=True) as connection:
            while not stop.is_set():
                started = time.monotonic()
                connection.execute(
                    "INSERT INTO catalog_order (user_id, status, created)"
                    " VALUES (%s, 'placed', now())",
                    (user_id,),
                )
                durations.append(time.monotonic() - started)
                time.sleep(0.005)

    writer = threading.Thread(target=place_orders)
    writer.start()
    try:
        time.sleep(0.2)  # placing orders before the change starts
        started = time.monotonic()
        change()
        took = time.monotonic() - started
    finally:
        stop.set()
        writer.join()
    return max(durations), len(durations), took


@pytest.mark.django_db(transaction=True)
def test_orders_placed_while_the_index_is_built_concurrently_never_wait():
    user = get_user_model().objects.create_user(username="shopper")
    url = servers.database_url()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            "INSERT INTO catalog_order (user_id, status, created)"
            " SELECT %s, 'placed', now() FROM generate_series(1, %s)",
            (user.pk, ORDERS),
        )
        migrate("0002")  # the index goes, as before migration 0003

        concurrently, placed, build = longest_write_while(lambda: migrate("0003"), user.pk)

        # The control: the same index in one step, from the same starting point (and left in
        # place: it is the one migration 0003 builds).
        connection.execute("DROP INDEX order_user_id_desc")
        one_step, _, _ = longest_write_while(
            lambda: connection.execute(
                "CREATE INDEX order_user_id_desc ON catalog_order (user_id, id DESC)"
            ),
            user.pk,
        )

    print(
        f"\nindex on {ORDERS:,} orders: concurrently, {placed} orders placed during the"
        f" migration's {build:.2f} s, the longest took {concurrently * 1000:.0f} ms; in one"
        f" step, the longest took {one_step * 1000:.0f} ms"
    )
    assert placed > 20
    assert concurrently < LOCK_TIMEOUT_MS / 1000
    assert one_step > LOCK_TIMEOUT_MS / 1000
