"""Input no client should send is refused with a 400 or 404, never a 500."""

import base64

import pytest

from .test_bulk import rows

pytestmark = pytest.mark.django_db

BULK = "/api/v1/products/bulk/"
# One past the largest PostgreSQL integer, the column type of stock.
PAST_INTEGER = 2**31


def forged_cursor(position: str) -> str:
    # DRF's cursor: base64 of a query string; "p" is the position compared with the id.
    return base64.b64encode(f"o=0&r=0&p={position}".encode()).decode()


def test_a_stock_past_the_column_range_is_a_400_for_its_row(editor, make_products):
    (product,) = make_products(1)
    batch = rows(2)
    batch[1]["stock"] = PAST_INTEGER

    imported = editor.post(BULK, {"products": batch})
    changed = editor.patch(BULK, {"products": [{"sku": product.sku, "stock": PAST_INTEGER}]})

    assert "stock" in imported.json()["error"]["fields"]["products"]["1"]
    assert "stock" in changed.json()["error"]["fields"]["products"]["0"]
    assert imported.status_code == changed.status_code == 400


def test_the_largest_stock_the_column_holds_is_accepted(editor, categories):
    batch = rows(1)
    batch[0]["stock"] = PAST_INTEGER - 1  # the control: the bound is the column's, no lower
    assert editor.post(BULK, {"products": batch}).status_code == 200


def test_a_non_numeric_cursor_position_is_a_404_on_products_and_orders(anonymous, customer):
    cursor = forged_cursor("abc")
    for client, url in (
        (anonymous, "/api/v1/products/"),
        (customer, "/api/v1/products/"),
        (customer, "/api/v1/orders/"),
    ):
        response = client.get(f"{url}?cursor={cursor}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


# The control for the test above, and a position past what an id column holds.
@pytest.mark.parametrize("position", ["999999", "9" * 30], ids=["numeric", "past-bigint"])
def test_a_numeric_cursor_past_the_largest_id_pages_from_the_newest(
    anonymous, make_products, position
):
    make_products(3)
    response = anonymous.get(f"/api/v1/products/?cursor={forged_cursor(position)}")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


@pytest.mark.parametrize("parameter", ["category", "tag"])
@pytest.mark.parametrize("value", ["%00", "not%20a%20slug", "", "x" * 65])
def test_a_filter_that_is_not_a_slug_is_a_400_naming_it(anonymous, parameter, value):
    response = anonymous.get(f"/api/v1/products/?{parameter}={value}")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [parameter]


def test_a_5000_row_import_of_about_3_4_mb_is_accepted(editor, categories):
    batch = rows(5000)
    for row in batch:
        row["description"] = "d" * 560
    response = editor.post(BULK, {"products": batch})
    size = len(response.wsgi_request.body)
    assert 3_300_000 < size < 4 * 1024 * 1024
    assert response.status_code == 200, response.content[:500]
