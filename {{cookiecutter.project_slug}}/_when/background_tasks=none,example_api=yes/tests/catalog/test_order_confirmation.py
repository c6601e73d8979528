"""An order's confirmation is recorded with it, once, and never for a rejected order."""

import pytest

from {{ cookiecutter.project_slug }}.catalog.confirmation import request_confirmation
from {{ cookiecutter.project_slug }}.catalog.models import OrderEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders/"


def test_a_placed_order_is_confirmed_once(customer, product):
    response = customer.post(URL, {"items": [{"product": product.pk, "quantity": 1}]})
    request_confirmation(response.json()["id"])  # again, as a retried request would

    assert list(OrderEvent.objects.values_list("order_id", "kind")) == [
        (response.json()["id"], "confirmed")
    ]


def test_a_rejected_order_is_not_confirmed(customer, product):
    response = customer.post(URL, {"items": [{"product": product.pk, "quantity": 11}]})

    assert response.status_code == 409
    assert not OrderEvent.objects.exists()
