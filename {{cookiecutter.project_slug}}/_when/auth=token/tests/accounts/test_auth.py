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


@pytest.fixture
def three_bad_tokens_a_minute(throttle_rates):
    throttle_rates(bad_credentials="3/min")


@pytest.mark.usefixtures("three_bad_tokens_a_minute")
def test_an_address_past_its_failed_tokens_gets_429_before_any_lookup(
    api_client, user, django_assert_num_queries
):
    guesser = {"x_forwarded_for": "203.0.113.7", "authorization": "Token " + "0" * 40}
    statuses = [api_client.get("/api/v1/me/", headers=guesser).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]

    valid = f"Token {Token.objects.create(user=user).key}"
    with django_assert_num_queries(0):
        refused = api_client.get("/api/v1/me/", headers={**guesser, "authorization": valid})
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    # Another address is not held back.
    other = {"x_forwarded_for": "198.51.100.9", "authorization": valid}
    assert api_client.get("/api/v1/me/", headers=other).status_code == 200
