"""How the tests authenticate, as a real client does, with a session cookie.

The test client skips CSRF checks unless asked; test_csrf.py shows a write without the token
being refused.
"""

import httpx
from rest_framework.test import APIClient

# SQL queries that authenticating one request costs: the session is read from Redis, the user
# it names from the database.
QUERIES = 1


# Where a client sends a username and password; its rate limits are login's own.
LOGIN_URL = "/api/v1/auth/login/"


def authenticate(client: APIClient, user) -> None:
    client.force_login(user)


def log_in(http: httpx.Client, base_url: str, username: str, password: str) -> None:
    """Log in through base_url; the session lives in the sessions Redis, which every instance
    reads, and the client sends its cookie and CSRF token to any instance."""
    # Sets the CSRF cookie, returned in X-CSRFToken as a browser app does.
    assert http.get(f"{base_url}/api/v1/auth/csrf/").status_code == 200
    http.headers["X-CSRFToken"] = http.cookies["csrftoken"]
    response = http.post(
        f"{base_url}/api/v1/auth/login/", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    http.headers["X-CSRFToken"] = http.cookies["csrftoken"]
