"""django-zeal turns a query per row (an N+1) into an error, in the tests and in development:
a list that forgets its select_related or prefetch_related fails the test that requests it."""

import pytest
from django.urls import include, path
from rest_framework.generics import ListAPIView
from zeal import NPlusOneError

from {{ cookiecutter.project_slug }}.catalog.models import Product
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


def test_a_request_that_runs_an_n_plus_one_fails(customer, make_products):
    make_products(3)
    with pytest.raises(NPlusOneError):
        customer.get("/naive/products/")
