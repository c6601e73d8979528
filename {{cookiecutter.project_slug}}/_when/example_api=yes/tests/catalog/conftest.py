from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from {{ cookiecutter.project_slug }}.catalog.models import (
    Category,
    Order,
    OrderItem,
    Product,
    ProductTag,
    Tag,
)

from tests import authentication


@pytest.fixture
def auth_queries() -> int:
    """SQL queries that authenticating one request costs with this project's auth mode."""
    return authentication.QUERIES


@pytest.fixture
def write_auth_queries() -> int:
    """The same for a write (POST, PATCH, DELETE)."""
    return authentication.WRITE_QUERIES


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def customer(user) -> APIClient:
    """A client authenticated as `user`, the way a real client of this API is."""
    client = APIClient()
    authentication.authenticate(client, user)
    return client


@pytest.fixture
def staff(django_user_model, password):
    return django_user_model.objects.create_user(username="sam", password=password, is_staff=True)


@pytest.fixture
def editor(staff) -> APIClient:
    """A client authenticated as a staff user: the catalog's bulk writes are staff only."""
    client = APIClient()
    authentication.authenticate(client, staff)
    return client


@pytest.fixture
def other_customer(other_user) -> APIClient:
    client = APIClient()
    authentication.authenticate(client, other_user)
    return client


@pytest.fixture
def categories(db) -> list[Category]:
    return Category.objects.bulk_create(
        [Category(slug="books", name="Books"), Category(slug="games", name="Games")]
    )


@pytest.fixture
def tags(db) -> list[Tag]:
    return Tag.objects.bulk_create([Tag(slug="new"), Tag(slug="sale"), Tag(slug="gift")])


@pytest.fixture
def make_products(categories, tags):
    """make_products(n, ...) inserts n products, each with two tags, in four queries."""

    def make(n: int, *, category: Category | None = None, stock: int = 10, prefix: str = "SKU"):
        products = Product.objects.bulk_create(
            Product(
                sku=f"{prefix}-{i:05d}",
                name=f"Product {i}",
                category=category or categories[i % len(categories)],
                price=Decimal("9.99") + i,
                stock=stock,
            )
            for i in range(n)
        )
        ProductTag.objects.bulk_create(
            ProductTag(product=product, tag=tag)
            for i, product in enumerate(products)
            for tag in (tags[i % 3], tags[(i + 1) % 3])
        )
        return products

    return make


@pytest.fixture
def product(make_products) -> Product:
    (product,) = make_products(1)
    return product


@pytest.fixture
def make_orders():
    """make_orders(user, n, products) inserts n orders of one item per product."""

    def make(user, n: int, products: list[Product]) -> list[Order]:
        orders = Order.objects.bulk_create(Order(user=user) for _ in range(n))
        OrderItem.objects.bulk_create(
            OrderItem(order=order, product=product, quantity=1, unit_price=product.price)
            for order in orders
            for product in products
        )
        return orders

    return make
