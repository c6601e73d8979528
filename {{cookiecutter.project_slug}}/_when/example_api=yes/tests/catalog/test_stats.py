"""GET categories/stats/: one GROUP BY query, then served from the cache until a write."""

import pytest

from {{ cookiecutter.project_slug }}.catalog.models import Category, Product

pytestmark = pytest.mark.django_db

URL = "/api/v1/categories/stats/"


def test_stats_count_average_and_sum_per_category_in_one_query(
    anonymous, make_products, categories, django_assert_num_queries
):
    make_products(4)  # books: 9.99 and 11.99; games: 10.99 and 12.99; stock 10 each
    books, games = categories
    toys = Category.objects.create(slug="toys", name="Toys")

    with django_assert_num_queries(1):
        response = anonymous.get(URL)

    assert response.status_code == 200
    rows = response.json()
    assert list(rows[0]) == ["id", "slug", "name", "product_count", "average_price", "total_stock"]
    assert [tuple(row.values()) for row in rows] == [
        (books.pk, "books", "Books", 2, "10.99", 20),
        (games.pk, "games", "Games", 2, "11.99", 20),
        (toys.pk, "toys", "Toys", 0, None, 0),
    ]


def test_stats_are_cached_until_the_next_product_write(
    customer,
    anonymous,
    make_products,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    (product,) = make_products(1)
    assert anonymous.get(URL).json()[0]["total_stock"] == 10

    with django_assert_num_queries(0):
        assert anonymous.get(URL).json()[0]["total_stock"] == 10

    with django_capture_on_commit_callbacks(execute=True):
        customer.post("/api/v1/orders/", {"items": [{"product": product.pk, "quantity": 4}]})

    assert anonymous.get(URL).json()[0]["total_stock"] == 6
    assert Product.objects.get().stock == 6
