"""The catalog's writes, called as any caller would call them: in batches, all or nothing, and
never overselling. (The endpoints' tests check what a client sends and sees.)"""

import math
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from {{ cookiecutter.project_slug }}.catalog import services
from {{ cookiecutter.project_slug }}.catalog.models import Order, OrderItem, Product, ProductTag

pytestmark = pytest.mark.django_db


def rows(n: int, category_id: int, *, price: str = "5.00", tags=("new",)) -> list[dict]:
    """Rows as the import serializer hands them over."""
    return [
        {
            "sku": f"IMP-{i:05d}",
            "name": f"Imported {i}",
            "description": "",
            "price": Decimal(price),
            "stock": 7,
            "category_id": category_id,
            "tags": [*tags, f"batch-{i % 2}"],
        }
        for i in range(n)
    ]


def statements(queries: CaptureQueriesContext, prefix: str) -> int:
    return sum(query["sql"].startswith(prefix) for query in queries.captured_queries)


def test_an_import_writes_a_batch_of_rows_per_statement_not_a_row(categories):
    with CaptureQueriesContext(connection) as queries:
        assert services.upsert_products(rows(5000, categories[0].pk)) == 5000

    assert ProductTag.objects.count() == 10_000
    product_batches = math.ceil(5000 / services.BATCH_SIZE)
    link_batches = math.ceil(10_000 / services.BATCH_SIZE)
    assert statements(queries, 'INSERT INTO "catalog_product"') == product_batches
    assert statements(queries, 'INSERT INTO "catalog_producttag"') == link_batches
    # The rest is a fixed handful: the new tags, the locks, the old links' cleanup.
    assert len(queries) <= product_batches + link_batches + 6


def test_an_import_updates_existing_skus_and_replaces_their_tags(categories):
    books, games = categories
    services.upsert_products(rows(2, books.pk))

    services.upsert_products(rows(2, games.pk, price="6.50", tags=("clearance",)))

    first = Product.objects.get(sku="IMP-00000")
    assert (first.price, first.category_id) == (Decimal("6.50"), games.pk)
    assert sorted(first.tags.values_list("slug", flat=True)) == ["batch-0", "clearance"]
    assert Product.objects.count() == 2


def test_an_update_names_every_unknown_sku_and_writes_nothing(make_products):
    make_products(2)
    changes = [{"sku": "SKU-00000", "stock": 1}, {"sku": "GONE-1", "stock": 1}]

    with pytest.raises(services.UnknownProducts) as refused:
        services.update_products(changes)

    assert refused.value.keys == ["GONE-1"]
    assert set(Product.objects.values_list("stock", flat=True)) == {10}


def test_an_update_runs_one_statement_per_batch(make_products):
    count = 2 * services.BATCH_SIZE + 1
    make_products(count)
    changes = [{"sku": f"SKU-{i:05d}", "stock": i} for i in range(count)]

    with CaptureQueriesContext(connection) as queries:
        assert services.update_products(changes) == count

    assert statements(queries, 'UPDATE "catalog_product"') == 3
    assert Product.objects.get(sku=f"SKU-{count - 1:05d}").stock == count - 1


def test_an_order_takes_its_items_out_of_stock_at_their_current_price(user, make_products):
    book, game = make_products(2)

    items = [{"product": book.pk, "quantity": 2}, {"product": game.pk, "quantity": 1}]

    order = services.place_order(user_id=user.pk, items=items)

    assert dict(Product.objects.values_list("pk", "stock")) == {book.pk: 8, game.pk: 9}
    prices = dict(OrderItem.objects.filter(order=order).values_list("product_id", "unit_price"))
    assert prices == {book.pk: book.price, game.pk: game.price}


def test_an_order_short_of_stock_names_the_product_and_writes_nothing(user, make_products):
    plenty, scarce = make_products(2)
    items = [{"product": plenty.pk, "quantity": 3}, {"product": scarce.pk, "quantity": 11}]

    with pytest.raises(services.InsufficientStock) as refused:
        services.place_order(user_id=user.pk, items=items)

    assert refused.value.product_id == scarce.pk
    assert not Order.objects.exists()
    assert set(Product.objects.values_list("stock", flat=True)) == {10}
