"""Concurrent orders, in real transactions on separate connections, never oversell.

The test holds the products' row locks while the orders start, and releases them only once
several orders are queued behind the lock in PostgreSQL: the orders really race, instead of
running one after another and passing whatever the code does.
"""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction
from django.db.models import Sum
from rest_framework.test import APIClient

from {{ cookiecutter.project_slug }}.catalog.models import Order, OrderItem, Product

from tests import authentication

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def clients_for(user, n: int) -> list[APIClient]:
    clients = [APIClient() for _ in range(n)]
    for client in clients:
        authentication.authenticate(client, user)
    return clients


def connections_available_to_threads() -> int:
    # Django's own pool lends at most max_size connections per process, one of which this
    # thread holds; the other modes open one connection per thread.
    pool = connection.settings_dict.get("OPTIONS", {}).get("pool")
    if isinstance(pool, dict) and "max_size" in pool:
        return pool["max_size"] - 1
    return THREADS


def orders_waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL keeps serving its first snapshot of the statistics.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def wait_for_waiters(count: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while orders_waiting_on_a_lock() < count:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def race(clients: list[APIClient], bodies: list[dict], products: list[Product]) -> list[int]:
    """POST every body at once from its own thread and connection; return the status codes."""

    def place(client: APIClient, body: dict) -> int:
        try:
            return client.post("/api/v1/orders/", body).status_code
        finally:
            connections.close_all()

    expected_waiters = min(len(clients), connections_available_to_threads())
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        with transaction.atomic():
            list(Product.objects.select_for_update().filter(pk__in=[p.pk for p in products]))
            futures = [pool.submit(place, c, b) for c, b in zip(clients, bodies, strict=True)]
            assert wait_for_waiters(expected_waiters), "the orders never queued on the locks"
        # The commit releases the locks: the queued orders now race for the stock.
        return [future.result() for future in futures]


def test_orders_racing_for_the_last_units_never_oversell(user, make_products):
    (product,) = make_products(1, stock=3)
    bodies = [{"items": [{"product": product.pk, "quantity": 1}]}] * THREADS

    codes = race(clients_for(user, THREADS), bodies, [product])

    assert sorted(codes) == [201] * 3 + [409] * (THREADS - 3)
    product.refresh_from_db()
    assert product.stock == 0
    assert OrderItem.objects.aggregate(sold=Sum("quantity"))["sold"] == 3
    assert Order.objects.count() == 3


def test_orders_naming_the_same_products_in_opposite_orders_do_not_deadlock(user, make_products):
    first, second = make_products(2, stock=3)
    forwards = {"items": [{"product": p.pk, "quantity": 1} for p in (first, second)]}
    backwards = {"items": [{"product": p.pk, "quantity": 1} for p in (second, first)]}
    bodies = [forwards if i % 2 else backwards for i in range(THREADS)]

    # A deadlock would abort an order with an error, not a 409: only 201s and 409s are allowed.
    codes = race(clients_for(user, THREADS), bodies, [first, second])

    assert sorted(codes) == [201] * 3 + [409] * (THREADS - 3)
    assert set(Product.objects.values_list("stock", flat=True)) == {0}
    assert OrderItem.objects.count() == 6
