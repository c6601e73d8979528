"""How the tests authenticate, as a real client does, with a JWT access token."""

import httpx
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

# SQL queries that authenticating one request costs: none, the signed token is the identity.
QUERIES = 0


# Where a client sends a username and password; its rate limits are login's own.
LOGIN_URL = "/api/v1/auth/token/"


def authenticate(client: APIClient, user) -> None:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")


def log_in(http: httpx.Client, base_url: str, username: str, password: str) -> None:
    """Log in through base_url; the client's later requests, to any instance, carry the JWT,
    signed with the DJANGO_SECRET_KEY that every instance shares."""
    response = http.post(
        f"{base_url}/api/v1/auth/token/", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    http.headers["Authorization"] = f"Bearer {response.json()['access']}"
