"""With session cookies, every catalog write must carry the CSRF token as well."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from {{ cookiecutter.project_slug }}.catalog.models import Order

pytestmark = pytest.mark.django_db


def logged_in_browser(user) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_an_order_without_the_csrf_token_is_refused(user, product):
    client = logged_in_browser(user)
    order = {"items": [{"product": product.pk, "quantity": 1}]}

    assert client.post("/api/v1/orders/", order).status_code == 403
    assert not Order.objects.exists()


def test_an_order_with_the_csrf_token_is_placed(user, product):
    client = logged_in_browser(user)
    token = client.get("/api/v1/auth/csrf/").json()["csrf_token"]
    assert settings.CSRF_COOKIE_NAME in client.cookies

    response = client.post(
        "/api/v1/orders/",
        {"items": [{"product": product.pk, "quantity": 1}]},
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201
