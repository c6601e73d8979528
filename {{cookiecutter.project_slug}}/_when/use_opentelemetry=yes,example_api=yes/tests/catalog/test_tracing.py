"""A products request, traced: its SQL queries and Redis commands are children of its span,
and a page served from the cache runs no SQL."""

import pytest

from tests.tracing import children, recorded_spans, request_span

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def spans():
    with recorded_spans() as exporter:
        yield exporter


def test_a_products_request_is_one_span_with_its_sql_and_redis_calls(
    anonymous, make_products, spans
):
    make_products(30)
    spans.clear()

    assert anonymous.get("/api/v1/products/").status_code == 200

    request = request_span(spans)
    assert request.name == "GET api/v1/products/"
    # The page (its category joined) and its tags, as test_products pins.
    assert len(children(spans, request, "postgresql")) == 1  # the page, its tags joined
    # The throttle's counter, the page looked up in the cache and stored there.
    assert children(spans, request, "redis")


def test_a_page_served_from_the_cache_has_no_sql_span(anonymous, make_products, spans):
    make_products(5)
    anonymous.get("/api/v1/products/")
    spans.clear()

    assert anonymous.get("/api/v1/products/").status_code == 200

    request = request_span(spans)
    assert children(spans, request, "postgresql") == []
    assert children(spans, request, "redis")
