"""How the tests authenticate, as a real client does, with a JWT access token."""

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

# SQL queries that authenticating one request costs: none, the signed token is the identity.
QUERIES = 0
# A write also loads the user, who may have been deleted or deactivated since the token was
# issued (accounts/authentication.py).
WRITE_QUERIES = 1


# Where a client sends a username and password; its rate limits are login's own.
LOGIN_URL = "/api/v1/auth/token/"


def headers(user) -> dict[str, str]:
    """What a client sends on each request as `user`."""
    return {"Authorization": f"Bearer {AccessToken.for_user(user)}"}


def authenticate(client: APIClient, user) -> None:
    client.credentials(HTTP_AUTHORIZATION=headers(user)["Authorization"])
