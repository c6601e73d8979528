"""django-zeal is live in the tests: an N+1 query pattern raises instead of passing silently."""

import pytest
from zeal import NPlusOneError, zeal_context

from {{ cookiecutter.project_slug }}.catalog import selectors
from {{ cookiecutter.project_slug }}.catalog.models import Product

pytestmark = pytest.mark.django_db


def test_a_relation_loaded_once_per_row_raises(make_products):
    make_products(3)
    with pytest.raises(NPlusOneError), zeal_context():
        [product.category.name for product in Product.objects.all()]


def test_the_list_selector_loads_every_relation_the_list_renders(make_products):
    make_products(3)
    with zeal_context():
        rows = [(p.category.slug, [t.slug for t in p.tag_list]) for p in selectors.product_list()]
    assert len(rows) == 3


def test_a_request_that_runs_an_n_plus_one_fails(customer, make_products, monkeypatch):
    make_products(3)
    # Sabotage: the list without its join of categories, one query per product.
    unjoined = selectors.product_list().select_related(None)
    monkeypatch.setattr(selectors, "product_list", lambda **filters: unjoined)

    with pytest.raises(NPlusOneError):
        customer.get("/api/v1/products/")
