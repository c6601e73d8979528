"""What nginx answers itself is JSON in the app's error shape: a body over its limit, and
logins past its per-address rate (deploy/nginx/nginx.conf)."""

import pytest

from tests.authentication import LOGIN_URL

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_body_over_nginx_limit_is_a_json_413(topology, http):
    response = http.post(
        f"{topology.url}/api/v1/me/",
        content=b"x" * (1024 * 1024 + 1),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_logins_past_nginx_rate_for_one_address_get_a_json_429(topology, http):
    credentials = {"username": "nobody", "password": "guess"}
    statuses = [
        http.post(f"{topology.url}{LOGIN_URL}", json=credentials).status_code for _ in range(14)
    ]
    # The burst of 10 reaches the app (which refuses the credentials); then nginx answers.
    assert 429 not in statuses[:10]
    assert statuses[-1] == 429

    response = http.post(f"{topology.url}{LOGIN_URL}", json=credentials)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert int(response.headers["Retry-After"]) > 0
