"""What nginx answers itself is JSON in the app's error shape: a request it cannot read, a
body over its limit, logins past its per-address rate, and no instance answering, where only
a read is invited to retry (deploy/nginx/nginx.conf)."""

import json
import socket

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


@pytest.mark.parametrize(
    ("request_line", "status"),
    [("GET /" + "a" * 9000 + " HTTP/1.1", 414), ("NONSENSE", 400)],
    ids=["uri-too-long", "malformed"],
)
def test_a_request_nginx_cannot_read_is_answered_in_json(topology, request_line, status):
    host, port = topology.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(f"{request_line}\r\nHost: {host}\r\n\r\n".encode())
        answer = raw.recv(65536).decode(errors="replace")

    head, _, body = answer.partition("\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status}")
    assert json.loads(body)["error"]["status"] == status


def test_with_no_instance_a_read_may_be_retried_and_a_write_is_not_invited_to(topology, http):
    for instance in topology.web:
        instance.stop()

    read = http.get(f"{topology.url}/api/v1/me/")
    write = http.post(f"{topology.url}/api/v1/me/", json={})

    assert (read.status_code, read.json()["error"]["code"]) == (503, "unavailable")
    assert int(read.headers["Retry-After"]) > 0
    assert (write.status_code, write.json()["error"]["code"]) == (502, "bad_gateway")
    assert "Retry-After" not in write.headers
