"""JWT authentication: a short-lived access token, checked without touching the database on
reads; a write, and a refresh, check that its user still exists and is active."""

from datetime import timedelta

import pytest
from rest_framework_simplejwt.tokens import AccessToken

pytestmark = pytest.mark.django_db


def obtain_pair(api_client, user, password) -> dict:
    response = api_client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": password}
    )
    assert response.status_code == 200
    return response.json()


def test_valid_credentials_get_an_access_token_that_needs_no_query(
    api_client, user, password, django_assert_num_queries
):
    pair = obtain_pair(api_client, user, password)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")

    with django_assert_num_queries(0):
        me = api_client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json() == {"id": user.pk, "username": user.username}


def test_a_refresh_token_gets_a_new_access_token(api_client, user, password):
    pair = obtain_pair(api_client, user, password)
    response = api_client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]})
    assert response.status_code == 200

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert api_client.get("/api/v1/me/").json()["username"] == user.username


def test_a_wrong_password_gets_no_token(api_client, user):
    response = api_client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": "wrong"}
    )
    assert response.status_code == 401
    assert "access" not in response.json()


def test_a_tampered_token_is_refused(api_client, user, password):
    access = obtain_pair(api_client, user, password)["access"]
    header, payload, signature = access.split(".")
    forged = ".".join([header, payload, signature[::-1]])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert api_client.get("/api/v1/me/").status_code == 401


def test_an_anonymous_request_is_refused(api_client):
    assert api_client.get("/api/v1/me/").status_code == 401


def test_an_expired_token_is_a_401_that_says_so_in_a_sentence(api_client, user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = api_client.get("/api/v1/me/")

    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "token_not_valid"
    assert error["detail"] == "Given token not valid for any token type"


@pytest.mark.parametrize("change", ["delete", "deactivate"])
def test_a_user_gone_since_the_login_refreshes_no_token(api_client, user, password, change):
    pair = obtain_pair(api_client, user, password)
    if change == "delete":
        user.delete()
    else:
        user.is_active = False
        user.save()

    response = api_client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]})

    assert response.status_code == 401
    codes = {"user_not_found", "user_inactive", "no_active_account"}
    assert response.json()["error"]["code"] in codes


@pytest.fixture
def three_bad_tokens_a_minute(throttle_rates):
    throttle_rates(bad_credentials="3/min")


@pytest.mark.usefixtures("three_bad_tokens_a_minute")
def test_an_address_past_its_failed_tokens_gets_429_for_the_next(api_client, user):
    guesser = {"x_forwarded_for": "203.0.113.7", "authorization": "Bearer not.a.token"}
    statuses = [api_client.get("/api/v1/me/", headers=guesser).status_code for _ in range(4)]

    assert statuses == [401, 401, 401, 429]
    # A valid token is checked without reading the count: it still works from there.
    valid = {**guesser, "authorization": f"Bearer {AccessToken.for_user(user)}"}
    assert api_client.get("/api/v1/me/", headers=valid).status_code == 200
