"""No list runs a query per row: the hot lists are built from plain rows, which cannot load a
relation lazily, and django-zeal turns an N+1 anywhere else into an error in the tests."""

import pytest
from django.urls import include, path
from rest_framework.generics import ListAPIView
from zeal import NPlusOneError, zeal_context

from {{ cookiecutter.project_slug }}.catalog.models import Order, Product
from {{ cookiecutter.project_slug }}.catalog.serializers import ProductSerializer


class UnjoinedProductList(ListAPIView):
    """A list written the naive way: a serializer over instances, no select_related."""

    serializer_class = ProductSerializer
    queryset = Product.objects.order_by("id")


urlpatterns = [
    path("naive/products/", UnjoinedProductList.as_view()),
    path("", include("config.urls")),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def no_model_instances(monkeypatch):
    """Building a Product or an Order from a database row raises."""

    def refuse(cls, *args, **kwargs):
        raise AssertionError(f"a {cls.__name__} instance was built")

    for model in (Product, Order):
        monkeypatch.setattr(model, "from_db", classmethod(refuse))


def test_a_relation_loaded_once_per_row_raises(make_products):
    make_products(3)
    with pytest.raises(NPlusOneError), zeal_context():
        [product.category.name for product in Product.objects.all()]


def test_a_request_that_runs_an_n_plus_one_fails(customer, make_products):
    make_products(3)
    with pytest.raises(NPlusOneError):
        customer.get("/naive/products/")


@pytest.mark.usefixtures("no_model_instances")
def test_the_lists_are_built_from_rows_without_model_instances(
    anonymous, customer, user, make_products, make_orders
):
    products = make_products(3)
    make_orders(user, 2, products)

    assert len(anonymous.get("/api/v1/products/").json()["results"]) == 3
    assert len(customer.get("/api/v1/products/").json()["results"]) == 3
    assert len(customer.get("/api/v1/orders/").json()["results"]) == 2
    # The control: the detail endpoint builds its product, and so fails here.
    with pytest.raises(AssertionError, match="a Product instance was built"):
        anonymous.get(f"/api/v1/products/{products[0].pk}/")
