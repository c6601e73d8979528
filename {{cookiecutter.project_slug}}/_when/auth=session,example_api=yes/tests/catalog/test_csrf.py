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

    response = client.post("/api/v1/orders/", order)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert not Order.objects.exists()


def test_a_refusal_does_not_echo_the_origin_it_was_sent(user, product):
    client = logged_in_browser(user)
    token = client.get("/api/v1/auth/csrf/").json()["csrf_token"]

    response = client.post(
        "/api/v1/orders/",
        {"items": [{"product": product.pk, "quantity": 1}]},
        HTTP_X_CSRFTOKEN=token,
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
    assert response.json()["error"] == {
        "status": 403,
        "code": "csrf_failed",
        "detail": "CSRF check failed.",
    }
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
