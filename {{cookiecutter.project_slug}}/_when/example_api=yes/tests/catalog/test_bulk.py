"""POST and PATCH products/bulk/: queries per batch, not per row; all rows or none."""

import math
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from {{ cookiecutter.project_slug }}.catalog.models import Product, ProductTag, Tag
from {{ cookiecutter.project_slug }}.catalog.services import BATCH_SIZE

pytestmark = pytest.mark.django_db

URL = "/api/v1/products/bulk/"


def rows(n: int, *, category: str = "books", price: str = "5.00", prefix: str = "IMP") -> list:
    return [
        {
            "sku": f"{prefix}-{i:05d}",
            "name": f"Imported {i}",
            "price": price,
            "stock": 7,
            "category": category,
            "tags": ["imported", f"batch-{i % 2}"],
        }
        for i in range(n)
    ]


def statements(queries: CaptureQueriesContext, prefix: str) -> int:
    return sum(query["sql"].startswith(prefix) for query in queries.captured_queries)


def test_an_import_inserts_products_with_their_category_and_tags(customer, categories):
    response = customer.post(URL, {"products": rows(3)})

    assert response.status_code == 200
    assert response.json() == {"count": 3}
    product = Product.objects.get(sku="IMP-00001")
    assert (product.name, product.price, product.stock) == ("Imported 1", Decimal("5.00"), 7)
    assert product.category.slug == "books"
    assert sorted(product.tags.values_list("slug", flat=True)) == ["batch-1", "imported"]


def test_a_5000_row_import_runs_a_few_queries_per_batch_not_one_per_row(customer, categories):
    with CaptureQueriesContext(connection) as queries:
        response = customer.post(URL, {"products": rows(5000)})

    assert response.status_code == 200, response.json()
    assert Product.objects.count() == 5000
    assert ProductTag.objects.count() == 10_000
    # One INSERT ... ON CONFLICT per batch of products, one per batch of tag links, one for
    # the new tags; the rest is a fixed handful (category check, locks, link cleanup).
    product_batches = math.ceil(5000 / BATCH_SIZE)
    link_batches = math.ceil(10_000 / BATCH_SIZE)
    assert statements(queries, 'INSERT INTO "catalog_product"') == product_batches
    assert statements(queries, 'INSERT INTO "catalog_producttag"') == link_batches
    assert statements(queries, 'INSERT INTO "catalog_tag"') == 1
    assert len(queries) <= product_batches + link_batches + 10


def test_an_import_updates_existing_skus_and_replaces_their_tags(customer, categories):
    customer.post(URL, {"products": rows(2)})
    changed = rows(2, category="games", price="6.50")
    changed[0]["tags"] = ["clearance"]

    response = customer.post(URL, {"products": changed})

    assert response.status_code == 200
    assert Product.objects.count() == 2
    first = Product.objects.get(sku="IMP-00000")
    assert (first.price, first.category.slug) == (Decimal("6.50"), "games")
    assert list(first.tags.values_list("slug", flat=True)) == ["clearance"]


def test_one_invalid_row_rejects_the_whole_batch_naming_each_bad_row(customer, categories):
    batch = rows(100)
    batch[7]["price"] = "-1"
    batch[42]["stock"] = "many"
    batch[42]["sku"] = ""
    batch[99]["category"] = "no-such-category"

    response = customer.post(URL, {"products": batch})

    assert response.status_code == 400
    errors = response.json()["error"]["fields"]["products"]
    assert {index: sorted(fields) for index, fields in errors.items()} == {
        "7": ["price"],
        "42": ["sku", "stock"],
        "99": ["category"],
    }
    assert not Product.objects.exists()


def test_a_sku_twice_in_one_batch_rejects_the_batch(customer, categories):
    batch = rows(5)
    batch[3]["sku"] = batch[1]["sku"]

    response = customer.post(URL, {"products": batch})

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["products"] == {
        "3": {"sku": ["Duplicates the SKU of row 1."]}
    }
    assert not Product.objects.exists()
    assert not Tag.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"products": [{"sku": "A"', "application/json"),
        ('{"products": "not a list"}', "application/json"),
        ('[{"sku": "A"}]', "application/json"),
        ('{"products": []}', "application/json"),
        ("sku,name\nA,B", "text/csv"),
    ],
    ids=["truncated-json", "not-a-list", "no-envelope", "empty", "not-json"],
)
def test_a_malformed_body_is_refused_and_writes_nothing(customer, categories, body, content_type):
    response = customer.generic("POST", URL, body, content_type=content_type)

    assert response.status_code in (400, 415)
    assert not Product.objects.exists()


def test_more_than_5000_rows_are_refused_before_any_row_is_validated(customer, categories):
    response = customer.post(URL, {"products": [{}] * 5001})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "products": ["Ensure this field has no more than 5000 elements."]
    }


def test_anonymous_writes_are_refused(anonymous, categories):
    assert anonymous.post(URL, {"products": rows(1)}).status_code in (401, 403)
    assert anonymous.patch(URL, {"products": [{"sku": "A", "price": "1"}]}).status_code in (
        401,
        403,
    )
    assert not Product.objects.exists()


def test_the_anonymous_list_shows_an_import_on_the_next_request(
    customer, anonymous, categories, django_capture_on_commit_callbacks
):
    customer.post(URL, {"products": rows(3, price="5.00")})
    assert anonymous.get("/api/v1/products/").json()["results"][0]["price"] == "5.00"
    # The control: the list is really served from the cache before the next write.
    with CaptureQueriesContext(connection) as queries:
        anonymous.get("/api/v1/products/")
    assert len(queries) == 0

    # The test's transaction never commits: run what the commit would run.
    with django_capture_on_commit_callbacks(execute=True):
        customer.post(URL, {"products": rows(3, price="8.25")})

    prices = {row["price"] for row in anonymous.get("/api/v1/products/").json()["results"]}
    assert prices == {"8.25"}


def test_the_cache_is_invalidated_when_the_write_commits_not_before(
    customer, anonymous, categories, django_capture_on_commit_callbacks
):
    customer.post(URL, {"products": rows(1, price="5.00")})
    anonymous.get("/api/v1/products/")

    with django_capture_on_commit_callbacks() as on_commit:
        customer.post(URL, {"products": rows(1, price="8.25")})
    # Until the commit, other readers see the old rows, and so does the cache.
    assert anonymous.get("/api/v1/products/").json()["results"][0]["price"] == "5.00"

    for callback in on_commit:
        callback()
    assert anonymous.get("/api/v1/products/").json()["results"][0]["price"] == "8.25"


def test_patch_changes_price_and_stock_by_sku(customer, make_products):
    make_products(3)
    changes = [
        {"sku": "SKU-00000", "price": "1.50"},
        {"sku": "SKU-00001", "stock": 0},
        {"sku": "SKU-00002", "price": "2.00", "stock": 99},
    ]

    response = customer.patch(URL, {"products": changes})

    assert response.status_code == 200
    assert response.json() == {"count": 3}
    values = dict(Product.objects.values_list("sku", "price"))
    stocks = dict(Product.objects.values_list("sku", "stock"))
    assert values == {
        "SKU-00000": Decimal("1.50"),
        "SKU-00001": Decimal("10.99"),
        "SKU-00002": Decimal("2.00"),
    }
    assert stocks == {"SKU-00000": 10, "SKU-00001": 0, "SKU-00002": 99}


def test_patch_with_unknown_skus_lists_them_and_writes_nothing(customer, make_products):
    make_products(2)
    changes = [
        {"sku": "SKU-00000", "price": "1.00"},
        {"sku": "GONE-1", "price": "1.00"},
        {"sku": "SKU-00001", "stock": 1},
        {"sku": "GONE-2", "stock": 1},
    ]

    response = customer.patch(URL, {"products": changes})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "products": {
            "1": {"sku": ["Unknown SKU 'GONE-1'."]},
            "3": {"sku": ["Unknown SKU 'GONE-2'."]},
        }
    }
    assert set(Product.objects.values_list("stock", flat=True)) == {10}
    assert Product.objects.get(sku="SKU-00000").price == Decimal("9.99")


def test_patch_needs_a_price_or_a_stock_in_each_row(customer, make_products):
    make_products(1)
    response = customer.patch(URL, {"products": [{"sku": "SKU-00000"}]})

    assert response.status_code == 400
    assert "0" in response.json()["error"]["fields"]["products"]


def test_a_large_patch_runs_one_update_per_batch(customer, make_products):
    rows = 2 * BATCH_SIZE + 1
    make_products(rows)
    changes = [{"sku": f"SKU-{i:05d}", "stock": i} for i in range(rows)]

    with CaptureQueriesContext(connection) as queries:
        response = customer.patch(URL, {"products": changes})

    assert response.status_code == 200
    # One locking SELECT, then one UPDATE per batch; the rest is a fixed handful.
    assert statements(queries, 'UPDATE "catalog_product"') == 3
    assert len(queries) <= 3 + 6
    assert Product.objects.get(sku=f"SKU-{rows - 1:05d}").stock == rows - 1
