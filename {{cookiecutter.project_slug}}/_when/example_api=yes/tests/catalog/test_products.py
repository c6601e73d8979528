"""GET products/ and products/<id>/: rows as the schema documents them, a fixed number of
queries per page, each page cached once for every caller."""

import json

import pytest
from django_redis import get_redis_connection
from rest_framework.renderers import JSONRenderer

from {{ cookiecutter.project_slug }}.catalog import selectors
from {{ cookiecutter.project_slug }}.catalog.models import Product
from {{ cookiecutter.project_slug }}.catalog.serializers import ProductSerializer

pytestmark = pytest.mark.django_db

# One query for the page: products joined to their category, with their tags' slugs as an array.
LIST_QUERIES = 1


@pytest.mark.parametrize("authenticated", [False, True])
def test_each_row_has_its_category_and_tag_slugs_as_the_serializer_in_the_schema_renders(
    anonymous, customer, make_products, authenticated
):
    oldest, *_ = make_products(5)
    client = customer if authenticated else anonymous

    listed = client.get("/api/v1/products/").json()["results"]

    products = selectors.product_detail().order_by("-id")
    documented = JSONRenderer().render(ProductSerializer(products, many=True).data)
    assert listed == json.loads(documented)
    assert listed[-1] == {
        "id": oldest.pk,
        "sku": "SKU-00000",
        "name": "Product 0",
        "price": "9.99",
        "stock": 10,
        "category": {"id": oldest.category.pk, "slug": "books", "name": "Books"},
        "tags": ["new", "sale"],
    }


@pytest.mark.parametrize("page_size", [10, 100])
@pytest.mark.parametrize("authenticated", [False, True])
def test_the_list_runs_one_query_without_descriptions_whatever_the_page_size(
    anonymous,
    customer,
    make_products,
    django_assert_num_queries,
    auth_queries,
    authenticated,
    page_size,
):
    make_products(150)
    client = customer if authenticated else anonymous
    queries = LIST_QUERIES + (auth_queries if authenticated else 0)

    with django_assert_num_queries(queries) as captured:
        response = client.get(f"/api/v1/products/?page_size={page_size}")

    assert len(response.json()["results"]) == page_size
    # Descriptions are for the detail page: a page of them would be most of the bytes read.
    assert "description" not in captured.captured_queries[-1]["sql"]


def test_cached_pages_count_against_the_anonymous_rate(anonymous, make_products, throttle_rates):
    make_products(1)
    throttle_rates(anon="3/min")

    responses = [anonymous.get("/api/v1/products/") for _ in range(4)]

    assert [response.status_code for response in responses] == [200, 200, 200, 429]
    assert 0 < int(responses[-1]["Retry-After"]) <= 60


def test_a_page_is_cached_once_for_every_caller_since_it_is_the_same_for_all(
    anonymous, customer, make_products, django_assert_num_queries, auth_queries
):
    make_products(3)
    first = anonymous.get("/api/v1/products/")

    with django_assert_num_queries(0):
        again = anonymous.get("/api/v1/products/")
    with django_assert_num_queries(auth_queries):
        as_a_customer = customer.get("/api/v1/products/")

    assert again.content == as_a_customer.content == first.content


def test_a_page_is_cached_whatever_the_order_of_its_parameters(
    anonymous, make_products, django_assert_num_queries
):
    make_products(3)
    first = anonymous.get("/api/v1/products/?category=books&page_size=2")

    with django_assert_num_queries(0):
        again = anonymous.get("/api/v1/products/?page_size=2&category=books")

    assert again.content == first.content


def test_a_parameter_the_list_does_not_read_is_neither_cached_nor_served_from_the_cache(
    anonymous, make_products, django_assert_num_queries
):
    make_products(3)
    anonymous.get("/api/v1/products/")
    redis = get_redis_connection("default")
    stored = len(redis.keys("*catalog:page:*"))

    for value in ("1", "2", "1"):
        with django_assert_num_queries(LIST_QUERIES):
            response = anonymous.get(f"/api/v1/products/?made_up={value}")
        assert response.status_code == 200
        # Nor kept by nginx or a browser: nothing to revalidate either.
        assert "ETag" not in response
        assert "public" not in response["Cache-Control"]
    assert len(redis.keys("*catalog:page:*")) == stored


def test_a_new_release_never_serves_the_pages_an_older_one_cached(
    anonymous, make_products, settings, django_assert_num_queries
):
    make_products(3)
    settings.RELEASE = "old"
    anonymous.get("/api/v1/products/")

    settings.RELEASE = "new"
    with django_assert_num_queries(LIST_QUERIES):
        assert anonymous.get("/api/v1/products/").status_code == 200
    with django_assert_num_queries(0):
        assert anonymous.get("/api/v1/products/").status_code == 200


@pytest.mark.parametrize(
    ("query", "orm_filter", "count"),
    [
        ("", {}, 40),
        ("category=games", {"category__slug": "games"}, 20),
        ("tag=sale", {"tags__slug": "sale"}, 27),
        ("category=books&tag=sale", {"category__slug": "books", "tags__slug": "sale"}, 13),
        ("category=nope", {"category__slug": "nope"}, 0),
    ],
    ids=["all", "category", "tag", "category-and-tag", "unknown-category"],
)
def test_pages_hold_the_rows_the_orm_selects_newest_first_without_gaps(
    anonymous, make_products, query, orm_filter, count
):
    make_products(40)
    listed, url = [], f"/api/v1/products/?page_size=5&{query}"
    while url:
        page = anonymous.get(url).json()
        listed += [row["id"] for row in page["results"]]
        url = page["next"]

    expected = Product.objects.filter(**orm_filter).order_by("-id").values_list("id", flat=True)
    assert listed == list(expected)
    assert len(listed) == count


def test_a_page_size_over_100_is_refused(anonymous, db):
    # The control, 100 rows on a page, is the query count test's.
    response = anonymous.get("/api/v1/products/?page_size=101")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"page_size": ["A whole number from 1 to 100."]}


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


@pytest.mark.usefixtures("redis_down")
def test_the_list_is_served_from_the_database_while_redis_is_down(anonymous, product):
    response = anonymous.get("/api/v1/products/")

    assert response.status_code == 200
    assert [row["sku"] for row in response.json()["results"]] == [product.sku]
