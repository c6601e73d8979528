"""POST and PATCH products/bulk/: every row validated first, all rows or none written."""

from decimal import Decimal

import pytest

from {{ cookiecutter.project_slug }}.catalog.models import Product, Tag

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


def test_an_import_inserts_products_with_their_category_and_tags(editor, categories):
    response = editor.post(URL, {"products": rows(3)})

    assert response.status_code == 200
    assert response.json() == {"count": 3}
    product = Product.objects.get(sku="IMP-00001")
    assert (product.name, product.price, product.stock) == ("Imported 1", Decimal("5.00"), 7)
    assert product.category.slug == "books"
    assert sorted(product.tags.values_list("slug", flat=True)) == ["batch-1", "imported"]


def test_one_invalid_row_rejects_the_whole_batch_naming_each_bad_row(editor, categories):
    batch = rows(100)
    batch[7]["price"] = "-1"
    batch[42]["stock"] = "many"
    batch[42]["sku"] = ""
    batch[60]["sku"] = batch[1]["sku"]
    batch[99]["category"] = "no-such-category"

    response = editor.post(URL, {"products": batch})

    assert response.status_code == 400
    errors = response.json()["error"]["fields"]["products"]
    assert {index: sorted(fields) for index, fields in errors.items()} == {
        "7": ["price"],
        "42": ["sku", "stock"],
        "60": ["sku"],
        "99": ["category"],
    }
    assert errors["60"] == {"sku": ["Duplicates the SKU of row 1."]}
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
def test_a_malformed_body_is_refused_and_writes_nothing(editor, categories, body, content_type):
    response = editor.generic("POST", URL, body, content_type=content_type)

    assert response.status_code in (400, 415)
    assert not Product.objects.exists()


def test_more_than_5000_rows_are_refused_before_any_row_is_validated(editor, categories):
    response = editor.post(URL, {"products": [{}] * 5001})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "products": ["Ensure this field has no more than 5000 elements."]
    }


def test_anonymous_writes_are_refused(anonymous, categories):
    for write in (anonymous.post, anonymous.patch):
        assert write(URL, {"products": rows(1)}).status_code in (401, 403)
    assert not Product.objects.exists()


def test_a_customer_who_is_not_staff_writes_nothing(customer, make_products):
    (product,) = make_products(1)

    imported = customer.post(URL, {"products": rows(1)})
    changed = customer.patch(URL, {"products": [{"sku": product.sku, "price": "0.00"}]})

    assert (imported.status_code, changed.status_code) == (403, 403)
    assert imported.json()["error"]["code"] == "permission_denied"
    assert Product.objects.get().price == product.price


def test_the_cache_is_invalidated_when_the_write_commits_not_before(
    editor, anonymous, categories, django_capture_on_commit_callbacks
):
    editor.post(URL, {"products": rows(1, price="5.00")})
    anonymous.get("/api/v1/products/")

    with django_capture_on_commit_callbacks() as on_commit:
        editor.post(URL, {"products": rows(1, price="8.25")})
    # Until the commit, other readers see the old rows, and so does the cache.
    assert anonymous.get("/api/v1/products/").json()["results"][0]["price"] == "5.00"

    for callback in on_commit:
        callback()
    assert anonymous.get("/api/v1/products/").json()["results"][0]["price"] == "8.25"


def test_patch_changes_only_the_price_or_stock_each_row_names(editor, make_products):
    make_products(3)
    changes = [
        {"sku": "SKU-00000", "price": "1.50"},
        {"sku": "SKU-00001", "stock": 0},
        {"sku": "SKU-00002", "price": "2.00", "stock": 99},
    ]

    response = editor.patch(URL, {"products": changes})

    assert response.status_code == 200
    assert response.json() == {"count": 3}
    assert list(Product.objects.order_by("sku").values_list("price", "stock")) == [
        (Decimal("1.50"), 10),
        (Decimal("10.99"), 0),
        (Decimal("2.00"), 99),
    ]


def test_patch_with_unknown_skus_names_their_rows(editor, make_products):
    make_products(2)
    changes = [
        {"sku": "SKU-00000", "price": "1.00"},
        {"sku": "GONE-1", "price": "1.00"},
        {"sku": "SKU-00001", "stock": 1},
        {"sku": "GONE-2", "stock": 1},
    ]

    response = editor.patch(URL, {"products": changes})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "products": {
            "1": {"sku": ["Unknown SKU 'GONE-1'."]},
            "3": {"sku": ["Unknown SKU 'GONE-2'."]},
        }
    }
    # That nothing is written is the service's to prove (test_services.py).


def test_patch_needs_a_price_or_a_stock_in_each_row(editor, make_products):
    make_products(1)
    response = editor.patch(URL, {"products": [{"sku": "SKU-00000"}]})

    assert response.status_code == 400
    assert "0" in response.json()["error"]["fields"]["products"]
