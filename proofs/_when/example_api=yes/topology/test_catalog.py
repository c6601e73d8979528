"""The example API on the topology: orders survive an instance dying mid-burst, and the product
list cached by one instance is served from that cache by the other."""

from collections import Counter
from decimal import Decimal

import pytest
import redis

from {{ cookiecutter.project_slug }}.catalog.models import (
    Category,
    Order,
    OrderItem,
    Product,
)

from .traffic import CUT_OFF, address, burst, send, served_by

pytestmark = pytest.mark.django_db(transaction=True)

# One order per product, four clients at a time, the instance killed after a third of them.
ORDERS, CONCURRENCY, KILL_AFTER = 36, 4, 12
STOCK = 5


@pytest.fixture
def products() -> list[Product]:
    category = Category.objects.create(slug="books", name="Books")
    return Product.objects.bulk_create(
        Product(
            sku=f"SKU-{i:03d}",
            name=f"Product {i}",
            category=category,
            price=Decimal(10),
            stock=STOCK,
        )
        for i in range(ORDERS)
    )


def test_an_instance_killed_mid_burst_loses_and_doubles_no_order(
    topology, logged_in, user, products
):
    doomed, survivor = topology.web

    def order(index: int):
        item = {"product": products[index].pk, "quantity": 1}
        return send(logged_in, "POST", f"{topology.url}/api/v1/orders/", json={"items": [item]})

    responses, killed_at = burst(
        order, count=ORDERS, concurrency=CONCURRENCY, fault_after=KILL_AFTER, fault=doomed.kill
    )

    placed = {index: r.json()["id"] for index, r in enumerate(responses) if r.status_code == 201}
    failed = [r for r in responses if r.status_code != 201]
    # nginx never resends a POST it has sent (the dead instance may have committed it). So the
    # orders in flight on the killed instance may fail, and so may the few that nginx wrote to
    # a kept-alive connection to it before noticing that connection had closed: a handful.
    assert len(failed) <= 2 * CONCURRENCY
    assert {r.status_code for r in failed} <= {502, CUT_OFF}
    late = [r for r in responses if r.status_code == 201 and r.sent_at > killed_at]
    assert {served_by(r) for r in late} == {address(survivor)}

    # Every request ordered its own product: count each product's orders in the database.
    orders_of = Counter(
        OrderItem.objects.filter(order__user=user).values_list("product_id", flat=True)
    )
    for index, product in enumerate(products):
        if index in placed:
            assert orders_of[product.pk] == 1, f"order {index} answered 201: stored once"
        else:
            assert orders_of[product.pk] <= 1, f"order {index} failed: stored at most once"
    assert set(placed.values()) <= set(
        Order.objects.filter(user=user).values_list("id", flat=True)
    )
    # And the stock agrees with the orders stored, one unit each.
    for product in Product.objects.filter(pk__in=[p.pk for p in products]):
        assert product.stock == STOCK - orders_of[product.pk]


def test_a_product_page_cached_by_one_instance_is_served_from_cache_by_the_other(
    topology, products, past_nginx_cache
):
    url = f"{topology.url}/api/v1/products/"
    anonymous = past_nginx_cache
    first = anonymous.get(url)
    assert first.status_code == 200
    # Behind the API's back: an UPDATE that invalidates nothing.
    newest = products[-1]
    Product.objects.filter(pk=newest.pk).update(name="Renamed behind the cache's back")

    second = anonymous.get(url)
    if served_by(second) == served_by(first):  # round robin: the next one goes to the other
        second = anonymous.get(url)

    assert served_by(second) != served_by(first)
    assert second.status_code == 200
    assert second.json() == first.json()
    # The control: with the cache emptied, the same page shows the database's new name.
    redis.Redis.from_url(topology.cache.url).flushall()
    third = anonymous.get(url)
    names = {product["name"] for product in third.json()["results"]}
    assert "Renamed behind the cache's back" in names


def test_while_the_cache_redis_is_stopped_products_are_read_from_the_database(
    topology, products, past_nginx_cache
):
    topology.cache.stop()

    responses = [past_nginx_cache.get(f"{topology.url}/api/v1/products/") for _ in range(4)]

    assert [r.status_code for r in responses] == [200] * 4
    assert {served_by(r) for r in responses} == {address(web) for web in topology.web}
    names = {product["name"] for product in responses[0].json()["results"]}
    assert f"Product {len(products) - 1}" in names
