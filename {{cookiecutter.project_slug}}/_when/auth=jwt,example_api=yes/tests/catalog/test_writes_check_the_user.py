"""A JWT stays valid for its lifetime whatever happens to its user: reads trust it, but a write
is refused once the user is deleted or deactivated, and writes nothing."""

import pytest

from {{ cookiecutter.project_slug }}.catalog.models import Order

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("change", ["delete", "deactivate"])
def test_an_order_with_the_token_of_a_user_gone_is_a_401(customer, user, product, change):
    if change == "delete":
        user.delete()
    else:
        user.is_active = False
        user.save()

    order = {"items": [{"product": product.pk, "quantity": 1}]}

    response = customer.post("/api/v1/orders/", order)

    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"user_not_found", "user_inactive"}
    assert not Order.objects.exists()
