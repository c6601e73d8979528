"""POST and GET orders/: stock taken atomically, each caller sees only their own orders."""

import json

import pytest
from django.db.models import Prefetch
from rest_framework.renderers import JSONRenderer

from {{ cookiecutter.project_slug }}.catalog.models import Order, OrderItem, Product
from {{ cookiecutter.project_slug }}.catalog.serializers import OrderSerializer

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders/"
# One query for the page of orders, one for their items joined to the items' products.
LIST_QUERIES = 2
# Lock the products, decrement their stock, insert the order, insert its items, request its
# confirmation (catalog/confirmation.py); the test's own transaction turns the service's
# atomic() into a SAVEPOINT and its RELEASE.
PLACE_QUERIES = 5 + 2


def order(*items: tuple[Product, int]) -> dict:
    return {
        "items": [{"product": product.pk, "quantity": quantity} for product, quantity in items]
    }


def test_an_order_takes_its_items_out_of_stock(customer, user, make_products):
    book, game = make_products(2)

    response = customer.post(URL, order((book, 2), (game, 1)))

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "placed"
    assert body["items"] == [
        {"product": book.pk, "sku": book.sku, "quantity": 2, "unit_price": "9.99"},
        {"product": game.pk, "sku": game.sku, "quantity": 1, "unit_price": "10.99"},
    ]
    assert set(body) == {"id", "status", "created", "items"}
    assert Order.objects.get(pk=body["id"]).user_id == user.pk
    assert dict(Product.objects.values_list("pk", "stock")) == {book.pk: 8, game.pk: 9}


def test_an_order_retried_with_its_idempotency_key_is_placed_once(customer, product):
    key = {"Idempotency-Key": "4f9e1c2a-order"}
    placed = customer.post(URL, order((product, 2)), headers=key)

    retried = customer.post(URL, order((product, 2)), headers=key)

    assert (placed.status_code, retried.status_code) == (201, 201)
    assert retried.json() == placed.json()
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=product.pk).stock == 8


@pytest.mark.parametrize("items", [1, 10])
def test_placing_an_order_runs_the_same_queries_whatever_the_number_of_items(
    customer, make_products, django_assert_num_queries, write_auth_queries, items
):
    products = make_products(items)

    with django_assert_num_queries(PLACE_QUERIES + write_auth_queries):
        response = customer.post(URL, order(*((product, 1) for product in products)))

    assert response.status_code == 201
    assert len(response.json()["items"]) == items


def test_insufficient_stock_is_a_409_naming_the_product(customer, make_products):
    plenty, scarce = make_products(2)
    Product.objects.filter(pk=scarce.pk).update(stock=1)

    response = customer.post(URL, order((plenty, 3), (scarce, 2)))

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "insufficient_stock"
    assert error["product"] == scarce.pk
    assert str(scarce.pk) in error["detail"]
    # That nothing is written is the service's to prove (test_services.py).


def test_an_unknown_product_is_400_naming_the_item(customer, product):
    response = customer.post(
        URL,
        {"items": [{"product": product.pk, "quantity": 1}, {"product": 987654, "quantity": 1}]},
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "items": [{}, {"product": ["Unknown product 987654."]}]
    }
    assert Product.objects.get(pk=product.pk).stock == 10


@pytest.mark.parametrize(
    "body",
    [
        {"items": []},
        {"items": [{"product": 1, "quantity": 0}]},
        {"items": [{"product": 1}]},
        {"items": [{"product": 1, "quantity": 1}, {"product": 1, "quantity": 2}]},
        {"items": "two apples"},
        {},
    ],
    ids=["no-items", "zero-quantity", "no-quantity", "product-twice", "not-a-list", "empty"],
)
def test_an_invalid_order_is_400_naming_the_field(customer, product, body):
    response = customer.post(URL, body)

    assert response.status_code == 400
    assert "items" in response.json()["error"]["fields"]
    assert not Order.objects.exists()


def test_anonymous_callers_can_neither_order_nor_list_orders(anonymous, product):
    assert anonymous.post(URL, order((product, 1))).status_code in (401, 403)
    assert anonymous.get(URL).status_code in (401, 403)
    assert not Order.objects.exists()
    assert Product.objects.get(pk=product.pk).stock == 10


def test_a_caller_lists_only_their_own_orders_as_the_serializer_in_the_schema_renders(
    customer, other_customer, user, other_user, make_products, make_orders
):
    products = make_products(2)
    make_orders(user, 3, products)
    make_orders(other_user, 2, products)

    listed = customer.get(URL).json()["results"]

    items = OrderItem.objects.select_related("product").order_by("id")
    orders = Order.objects.filter(user=user).order_by("-id")
    orders = orders.prefetch_related(Prefetch("items", queryset=items, to_attr="item_list"))
    documented = JSONRenderer().render(OrderSerializer(orders, many=True).data)
    assert listed == json.loads(documented)
    assert len(listed) == 3
    assert len(other_customer.get(URL).json()["results"]) == 2


@pytest.mark.parametrize("page_size", [10, 100])
def test_the_order_list_runs_two_queries_whatever_the_page_size(
    customer, user, make_products, make_orders, django_assert_num_queries, auth_queries, page_size
):
    make_orders(user, 120, make_products(3))

    with django_assert_num_queries(LIST_QUERIES + auth_queries):
        response = customer.get(f"{URL}?page_size={page_size}")

    results = response.json()["results"]
    assert len(results) == page_size
    assert all(len(row["items"]) == 3 for row in results)
