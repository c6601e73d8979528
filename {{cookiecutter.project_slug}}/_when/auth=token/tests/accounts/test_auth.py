"""Token authentication: POST credentials once, then send "Authorization: Token <key>"."""

import pytest
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def test_valid_credentials_get_a_token_that_authenticates(api_client, user, password):
    response = api_client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": password}
    )
    assert response.status_code == 200

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = api_client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json() == {"id": user.pk, "username": user.username}


def test_a_wrong_password_gets_no_token(api_client, user):
    response = api_client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": "wrong"}
    )
    assert response.status_code == 400
    assert "token" not in response.json()


def test_an_anonymous_request_is_refused(api_client):
    assert api_client.get("/api/v1/me/").status_code == 401


def test_an_unknown_token_is_refused(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    response = api_client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["error"]["detail"] == "Invalid token."


def test_a_token_costs_one_query_per_request(api_client, user, django_assert_num_queries):
    token = Token.objects.create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    with django_assert_num_queries(1):  # the token joined to its user
        assert api_client.get("/api/v1/me/").status_code == 200


def test_an_inactive_users_token_is_refused(api_client, user):
    token = Token.objects.create(user=user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api_client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["error"]["detail"] == "User inactive or deleted."
