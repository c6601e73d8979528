"""GET products/: a fixed number of queries per page, cached for anonymous callers."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from {{ cookiecutter.project_slug }}.catalog.models import Product

pytestmark = pytest.mark.django_db

# One query for the page (products joined to their category), one for the page's tags.
LIST_QUERIES = 2


def test_a_product_is_listed_with_its_category_and_tag_slugs(anonymous, product):
    response = anonymous.get("/api/v1/products/")

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": product.pk,
            "sku": product.sku,
            "name": product.name,
            "price": "9.99",
            "stock": 10,
            "category": {"id": product.category.pk, "slug": "books", "name": "Books"},
            "tags": ["new", "sale"],
        }
    ]


@pytest.mark.parametrize("page_size", [10, 100])
def test_the_anonymous_list_runs_two_queries_whatever_the_page_size(
    anonymous, make_products, django_assert_num_queries, page_size
):
    make_products(150)

    with django_assert_num_queries(LIST_QUERIES):
        response = anonymous.get(f"/api/v1/products/?page_size={page_size}")

    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [10, 100])
def test_an_authenticated_list_adds_only_what_authentication_costs(
    customer, make_products, django_assert_num_queries, auth_queries, page_size
):
    make_products(150)

    with django_assert_num_queries(LIST_QUERIES + auth_queries):
        response = customer.get(f"/api/v1/products/?page_size={page_size}")

    assert len(response.json()["results"]) == page_size


def test_a_cached_anonymous_page_runs_no_sql(anonymous, make_products, django_assert_num_queries):
    make_products(30)
    first = anonymous.get("/api/v1/products/?page_size=10")

    with django_assert_num_queries(0):
        second = anonymous.get("/api/v1/products/?page_size=10")

    assert second.json() == first.json()


def test_each_page_and_filter_is_cached_under_its_own_key(anonymous, make_products):
    make_products(30)
    ten = anonymous.get("/api/v1/products/?page_size=10").json()
    five = anonymous.get("/api/v1/products/?page_size=5").json()

    assert len(ten["results"]) == 10
    assert len(five["results"]) == 5


def test_pages_follow_each_other_newest_first_without_gaps(anonymous, make_products):
    products = make_products(25)
    seen, url = [], "/api/v1/products/?page_size=10"
    while url:
        page = anonymous.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]

    assert seen == sorted((p.pk for p in products), reverse=True)


def test_the_page_size_is_capped_at_100(anonymous, make_products):
    make_products(120)
    assert len(anonymous.get("/api/v1/products/?page_size=100").json()["results"]) == 100

    response = anonymous.get("/api/v1/products/?page_size=101")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"page_size": ["A whole number from 1 to 100."]}


def test_the_list_filters_by_category(anonymous, make_products, categories):
    make_products(10)
    response = anonymous.get("/api/v1/products/?category=games")

    results = response.json()["results"]
    assert len(results) == 5
    assert {row["category"]["slug"] for row in results} == {"games"}


def test_the_list_filters_by_tag(anonymous, make_products):
    make_products(9)
    results = anonymous.get("/api/v1/products/?tag=sale").json()["results"]

    assert len(results) == 6
    assert all("sale" in row["tags"] for row in results)


def test_an_unknown_filter_value_gives_an_empty_page(anonymous, make_products):
    make_products(3)
    assert anonymous.get("/api/v1/products/?category=nope").json()["results"] == []


def test_a_product_detail_includes_its_description_in_two_queries(
    anonymous, product, django_assert_num_queries
):
    Product.objects.filter(pk=product.pk).update(description="Hardback, 320 pages.")

    with django_assert_num_queries(2):
        response = anonymous.get(f"/api/v1/products/{product.pk}/")

    assert response.status_code == 200
    assert response.json()["description"] == "Hardback, 320 pages."
    assert response.json()["tags"] == ["new", "sale"]


def test_an_unknown_product_is_404(anonymous, db):
    assert anonymous.get("/api/v1/products/999999/").status_code == 404


def test_the_list_does_not_load_descriptions(anonymous, product):
    with CaptureQueriesContext(connection) as queries:
        anonymous.get("/api/v1/products/")

    assert "description" not in queries.captured_queries[0]["sql"]


def test_the_list_is_served_from_the_database_while_redis_is_down(anonymous, product, settings):
    unreachable = {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    with override_settings(CACHES={**settings.CACHES, "default": unreachable}):
        response = anonymous.get("/api/v1/products/")

    assert response.status_code == 200
    assert [row["sku"] for row in response.json()["results"]] == [product.sku]
