"""The kubelet's probes reach the app under production's settings.

The kubelet sends its HTTP probes in plain HTTP with the pod's IP address as the Host header,
which is neither in DJANGO_ALLOWED_HOSTS nor HTTPS: /healthz and /readyz must answer anyway,
or every pod would be restarted or kept out of its Service (deploy/k8s/base/web-deployment.yaml).
"""

import importlib
import sys

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

POD_ADDRESS = "10.42.3.17:8000"


@pytest.fixture
def production(monkeypatch):
    """Production's host, HTTPS and middleware settings, from config/settings/production.py."""
    monkeypatch.setenv("DJANGO_SECRET_KEY", "a-test-secret-key-" + "x" * 40)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "api.example.com")
    monkeypatch.delenv("DJANGO_SECURE_SSL_REDIRECT", raising=False)
    sys.modules.pop("config.settings.production", None)
    settings_module = importlib.import_module("config.settings.production")
    names = [
        "ALLOWED_HOSTS",
        "MIDDLEWARE",
        "SECURE_SSL_REDIRECT",
        "SECURE_REDIRECT_EXEMPT",
        "SECURE_PROXY_SSL_HEADER",
    ]
    with override_settings(**{name: getattr(settings_module, name) for name in names}):
        yield settings_module


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_the_kubelet_whose_host_is_the_pod_address(client, production, path):
    assert production.SECURE_SSL_REDIRECT is True

    response = client.get(path, HTTP_HOST=POD_ADDRESS)

    assert response.status_code == 200


def test_other_paths_refuse_the_pod_address_as_host(client, production):
    """The control: production's host check is active, the probes are exempt from it."""
    response = client.get("/api/v1/me/", HTTP_HOST=POD_ADDRESS)

    assert response.status_code == 400


def test_other_paths_redirect_plain_http_to_https(client, production):
    response = client.get("/api/v1/me/", HTTP_HOST="api.example.com")

    assert response.status_code == 301
    assert response["Location"] == "https://api.example.com/api/v1/me/"
