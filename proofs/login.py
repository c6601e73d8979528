"""Logging in over HTTP, as a real client of this project does."""

import httpx


def log_in(http: httpx.Client, base_url: str, username: str, password: str) -> None:
{%- if cookiecutter.auth == "token" %}
    """Log in through base_url; the client's later requests, to any instance, carry the token."""
    response = http.post(
        f"{base_url}/api/v1/auth/token/", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    http.headers["Authorization"] = f"Token {response.json()['token']}"
{%- elif cookiecutter.auth == "jwt" %}
    """Log in through base_url; the client's later requests, to any instance, carry the JWT,
    signed with the DJANGO_SECRET_KEY that every instance shares."""
    response = http.post(
        f"{base_url}/api/v1/auth/token/", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    http.headers["Authorization"] = f"Bearer {response.json()['access']}"
{%- else %}
    """Log in through base_url; the session lives in the state Redis, which every instance
    reads, and the client sends its cookie and CSRF token to any instance."""
    # Sets the CSRF cookie, returned in X-CSRFToken as a browser app does.
    assert http.get(f"{base_url}/api/v1/auth/csrf/").status_code == 200
    http.headers["X-CSRFToken"] = http.cookies["csrftoken"]
    response = http.post(
        f"{base_url}/api/v1/auth/login/", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    http.headers["X-CSRFToken"] = http.cookies["csrftoken"]
{%- endif %}
