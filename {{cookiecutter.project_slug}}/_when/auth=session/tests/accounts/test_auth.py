"""Session authentication: a login sets a cookie whose session lives in Redis; writes need the
CSRF token."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django_redis import get_redis_connection
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def session_in_redis(session_key: str) -> bool:
    cache = caches[settings.SESSION_CACHE_ALIAS]
    key = cache.make_key(f"django.contrib.sessions.cache{session_key}")
    return get_redis_connection(settings.SESSION_CACHE_ALIAS).exists(key) == 1


def csrf_token(client: APIClient) -> str:
    return client.get("/api/v1/auth/csrf/").json()["csrf_token"]


def test_login_stores_the_session_in_redis_and_authenticates_the_next_request(user, password):
    client = APIClient(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/auth/login/",
        {"username": user.username, "password": password},
        HTTP_X_CSRFTOKEN=csrf_token(client),
    )
    assert response.status_code == 200

    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert session_in_redis(session_key)
    assert client.get("/api/v1/me/").json() == {"id": user.pk, "username": user.username}


def test_login_without_the_csrf_token_is_refused(user, password):
    client = APIClient(enforce_csrf_checks=True)
    csrf_token(client)  # the cookie alone is not enough
    response = client.post(
        "/api/v1/auth/login/", {"username": user.username, "password": password}
    )
    assert response.status_code == 403
    assert settings.SESSION_COOKIE_NAME not in client.cookies


def test_a_wrong_password_opens_no_session(api_client, user):
    response = api_client.post(
        "/api/v1/auth/login/", {"username": user.username, "password": "wrong"}
    )
    assert response.status_code == 400
    assert settings.SESSION_COOKIE_NAME not in api_client.cookies


def test_logout_deletes_the_session_from_redis(user, password):
    client = APIClient(enforce_csrf_checks=True)
    client.post(
        "/api/v1/auth/login/",
        {"username": user.username, "password": password},
        HTTP_X_CSRFTOKEN=csrf_token(client),
    )
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value

    # Login rotated the CSRF token: use the new one.
    response = client.post("/api/v1/auth/logout/", HTTP_X_CSRFTOKEN=csrf_token(client))
    assert response.status_code == 204
    assert not session_in_redis(session_key)
    assert client.get("/api/v1/me/").status_code == 403


def test_an_anonymous_request_is_refused(api_client):
    assert api_client.get("/api/v1/me/").status_code == 403
