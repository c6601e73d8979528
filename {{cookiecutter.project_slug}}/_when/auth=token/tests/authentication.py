"""How the tests authenticate, as a real client does, with a DRF token."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

# SQL queries that authenticating one request costs: the token joined to its user.
QUERIES = 1
# The same for a write.
WRITE_QUERIES = QUERIES


# Where a client sends a username and password; its rate limits are login's own.
LOGIN_URL = "/api/v1/auth/token/"


def headers(user) -> dict[str, str]:
    """What a client sends on each request as `user`."""
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


def authenticate(client: APIClient, user) -> None:
    client.credentials(HTTP_AUTHORIZATION=headers(user)["Authorization"])
