"""How the tests authenticate, as a real client does, with a session cookie.

The test client skips CSRF checks unless asked; test_csrf.py shows a write without the token
being refused.
"""

from rest_framework.test import APIClient

# SQL queries that authenticating one request costs: the session is read from Redis, the user
# it names from the database.
QUERIES = 1
# The same for a write.
WRITE_QUERIES = QUERIES


# Where a client sends a username and password; its rate limits are login's own.
LOGIN_URL = "/api/v1/auth/login/"


def headers(user) -> dict[str, str]:
    """What a client sends on each request as `user`, besides the session cookie: nothing."""
    return {}


def authenticate(client: APIClient, user) -> None:
    client.force_login(user)
