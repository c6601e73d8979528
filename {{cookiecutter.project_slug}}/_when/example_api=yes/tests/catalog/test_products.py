"""GET products/: a fixed number of queries per page, cached for anonymous callers."""

import json

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer

from {{ cookiecutter.project_slug }}.catalog import selectors
from {{ cookiecutter.project_slug }}.catalog.models import Product
from {{ cookiecutter.project_slug }}.catalog.serializers import ProductSerializer

pytestmark = pytest.mark.django_db

# One query for the page: products joined to their category, with their tags' slugs as an array.
LIST_QUERIES = 1


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


@pytest.mark.parametrize("authenticated", [False, True])
def test_each_row_is_what_the_serializer_in_the_schema_renders(
    anonymous, customer, make_products, authenticated
):
    make_products(5)
    client = customer if authenticated else anonymous

    listed = client.get("/api/v1/products/").json()["results"]

    products = selectors.product_detail().order_by("-id")
    documented = JSONRenderer().render(ProductSerializer(products, many=True).data)
    assert listed == json.loads(documented)


@pytest.mark.parametrize("page_size", [10, 100])
def test_the_anonymous_list_runs_one_query_whatever_the_page_size(
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


def test_cached_pages_count_against_the_anonymous_rate(anonymous, make_products, settings):
    make_products(1)
    low = {"anon": "3/min", "user": "5/min"}
    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": low}
    with override_settings(REST_FRAMEWORK=rest):
        responses = [anonymous.get("/api/v1/products/") for _ in range(4)]

    assert [response.status_code for response in responses] == [200, 200, 200, 429]
    assert 0 < int(responses[-1]["Retry-After"]) <= 60


def test_a_page_is_cached_for_every_caller_since_it_is_the_same_for_all(
    anonymous, customer, make_products, django_assert_num_queries, auth_queries
):
    make_products(3)
    first = anonymous.get("/api/v1/products/")

    with django_assert_num_queries(auth_queries):
        second = customer.get("/api/v1/products/")

    assert second.content == first.content


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


def test_previous_links_lead_back_through_the_same_pages(anonymous, make_products):
    make_products(25)
    forward, url = [], "/api/v1/products/?page_size=10"
    while url:
        page = anonymous.get(url).json()
        forward.append([row["id"] for row in page["results"]])
        url = page["next"]
    backward, url = [], page["previous"]
    while url:
        page = anonymous.get(url).json()
        backward.append([row["id"] for row in page["results"]])
        url = page["previous"]

    assert backward == forward[-2::-1]


def test_filtered_pages_hold_the_rows_the_orm_selects(customer, make_products, categories):
    make_products(40)
    first = customer.get("/api/v1/products/?category=books&tag=sale&page_size=5").json()
    second = customer.get(first["next"]).json()

    expected = (
        Product.objects.filter(category__slug="books", tags__slug="sale")
        .order_by("-id")
        .values_list("id", flat=True)[:10]
    )
    listed = [row["id"] for row in first["results"] + second["results"]]
    assert len(listed) == 10
    assert listed == list(expected)


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


@pytest.mark.usefixtures("redis_down")
def test_the_list_is_served_from_the_database_while_redis_is_down(anonymous, product):
    response = anonymous.get("/api/v1/products/")

    assert response.status_code == 200
    assert [row["sku"] for row in response.json()["results"]] == [product.sku]
