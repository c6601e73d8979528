"""How the tests authenticate, as a real client does, with a DRF token."""

import httpx
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

# SQL queries that authenticating one request costs: the token joined to its user.
QUERIES = 1


# Where a client sends a username and password; its rate limits are login's own.
LOGIN_URL = "/api/v1/auth/token/"


def authenticate(client: APIClient, user) -> None:
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")


def log_in(http: httpx.Client, base_url: str, username: str, password: str) -> None:
    """Log in through base_url; the client's later requests, to any instance, carry the token."""
    response = http.post(
        f"{base_url}/api/v1/auth/token/", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    http.headers["Authorization"] = f"Token {response.json()['token']}"
