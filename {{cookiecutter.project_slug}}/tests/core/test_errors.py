"""Every error is JSON in one shape, whatever the request and wherever it failed:
{"error": {"status": ..., "code": ..., "detail": ..., "fields": {...}}}. Never HTML."""

import re

import pytest
from django.test import Client, override_settings

from tests.authentication import LOGIN_URL

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.views")]


def error_of(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert body["error"]["code"]
    assert body["error"]["detail"]
    return body["error"]


@pytest.fixture
def client() -> Client:
    # Django's test client re-raises a view's exception; a server answers it.
    return Client(raise_request_exception=False)


def test_an_unknown_path_outside_the_api_is_a_json_404(client):
    assert error_of(client.get("/no-such-page"), 404)["code"] == "not_found"


def test_an_api_error_has_the_same_shape(client):
    response = client.get("/api/v1/me/")
    # 403 with session authentication, which has no WWW-Authenticate challenge to send.
    assert response.status_code in (401, 403)
    assert error_of(response, response.status_code)["code"] == "not_authenticated"


def test_a_method_the_view_does_not_have_is_a_json_405(client):
    assert error_of(client.put("/echo/"), 405)["code"] == "method_not_allowed"


def test_a_host_not_in_allowed_hosts_is_a_json_400_that_does_not_echo_it(client):
    response = client.get("/open/", HTTP_HOST="evil.example")
    error = error_of(response, 400)
    assert "evil" not in response.content.decode()
    assert error["code"] == "bad_request"


def test_a_crash_is_a_json_500_without_a_traceback(client):
    response = client.get("/crash/")
    error_of(response, 500)
    assert b"Traceback" not in response.content
    assert b"a bug" not in response.content


@pytest.mark.parametrize(
    "url",
    [
        "/database-down/",
        "/api-database-down/",
        # Wrapped in another library's error, as the task queue's connector does.
        "/wrapped-database-down/",
        "/api-wrapped-database-down/",
    ],
)
def test_an_unreachable_database_is_a_503_saying_when_to_retry(client, url):
    response = client.get(url)
    assert error_of(response, 503)["code"] == "unavailable"
    assert int(response["Retry-After"]) > 0


def test_a_body_over_the_limit_is_a_json_413_naming_the_limit(client):
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        accepted = client.post("/echo/", {"text": "x" * 900}, content_type="application/json")
        refused = client.post("/echo/", {"text": "x" * 1000}, content_type="application/json")
    assert accepted.status_code == 200  # the control: just under the limit passes
    error = error_of(refused, 413)
    assert "1000 bytes" in error["detail"]


def test_the_body_limit_is_the_largest_one_nginx_lets_through(settings):
    nginx_conf = (settings.BASE_DIR / "deploy" / "nginx" / "nginx.conf").read_text()
    limits = re.findall(r"client_max_body_size (\d+)m;", nginx_conf)
    assert max(int(megabytes) for megabytes in limits) * 1024 * 1024 == (
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )


@pytest.mark.parametrize("url", ["/echo/", LOGIN_URL])
def test_json_nested_thousands_deep_is_a_400(client, url):
    nested = "[" * 100_000 + "]" * 100_000
    response = client.post(url, nested, content_type="application/json")
    assert error_of(response, 400)["code"] == "parse_error"


@pytest.mark.parametrize("url", ["/echo/", LOGIN_URL])
def test_text_that_utf8_cannot_encode_is_a_400_naming_the_field(client, url):
    # A lone surrogate: valid JSON, which PostgreSQL, Redis keys and log lines cannot take.
    body = r'{"username": "\ud800", "password": "x", "items": [{"name": "a"}, {"name": "\udfff"}]}'
    response = client.post(url, body, content_type="application/json")
    error = error_of(response, 400)
    assert set(error["fields"]) == {"username", "items.1.name"}


def test_a_surrogate_pair_is_ordinary_text(client):
    pair = r'{"text": "\ud83d\ude00"}'
    assert client.post("/echo/", pair, content_type="application/json").status_code == 200


def test_malformed_json_is_a_400(client):
    response = client.post("/echo/", "{'single': 'quotes'}", content_type="application/json")
    assert error_of(response, 400)["code"] == "parse_error"


def test_a_validation_error_lists_the_fields(client):
    response = client.post(LOGIN_URL, {}, content_type="application/json")
    error = error_of(response, 400)
    assert error["code"] == "invalid"
    assert "username" in error["fields"]
