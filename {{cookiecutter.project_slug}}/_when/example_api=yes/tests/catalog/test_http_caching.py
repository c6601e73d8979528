"""The catalog's GETs carry an ETag from the catalog version: a client (or nginx) whose copy is
current gets a 304 without a query. Anonymous answers may be kept by any cache for a few
seconds; a signed-in caller's, and every other answer, by nobody else."""

import pytest
from django.core.cache import cache as django_cache
from django.test import override_settings

from {{ cookiecutter.project_slug }}.catalog import cache

pytestmark = pytest.mark.django_db

URLS = ["/api/v1/products/", "/api/v1/products/{pk}/", "/api/v1/categories/stats/"]


@pytest.fixture
def urls(product) -> list[str]:
    return [url.format(pk=product.pk) for url in URLS]


def test_a_current_copy_is_a_304_without_a_query_or_a_body(
    anonymous, urls, django_assert_num_queries
):
    for url in urls:
        etag = anonymous.get(url)["ETag"]

        with django_assert_num_queries(0):
            revalidated = anonymous.get(url, headers={"If-None-Match": etag})

        assert (revalidated.status_code, revalidated.content) == (304, b"")
        assert revalidated["ETag"] == etag


def test_a_write_changes_every_etag(anonymous, editor, urls, django_capture_on_commit_callbacks):
    etags = {url: anonymous.get(url)["ETag"] for url in urls}
    change = {"products": [{"sku": "SKU-00000", "stock": 1}]}
    with django_capture_on_commit_callbacks(execute=True):
        assert editor.patch("/api/v1/products/bulk/", change).status_code == 200

    for url, etag in etags.items():
        assert anonymous.get(url, headers={"If-None-Match": etag}).status_code == 200


@override_settings(PUBLIC_CACHE_SECONDS=7, PUBLIC_STALE_SECONDS=11)
def test_anonymous_answers_are_public_for_a_few_seconds(anonymous, urls):
    for url in urls:
        control = anonymous.get(url)["Cache-Control"]
        assert sorted(control.split(", ")) == ["max-age=7", "public", "stale-while-revalidate=11"]


def test_a_signed_in_callers_answers_are_private(customer, urls):
    for url in [*urls, "/api/v1/orders/", "/api/v1/me/"]:
        response = customer.get(url)
        assert "private" in response["Cache-Control"], url
        assert "Cookie" not in response.get("Vary", ""), url


def test_the_catalog_version_only_moves_forward_to_a_later_wal_position():
    # With a replica, two writes finishing together set their WAL positions in either order:
    # the later one must win, or readers would take a replica that lacks it for current.
    cache.raise_version(2_000)
    cache.raise_version(1_000)

    assert django_cache.get(cache.VERSION_KEY) == 2_000
    cache.raise_version(3_000)
    assert django_cache.get(cache.VERSION_KEY) == 3_000
