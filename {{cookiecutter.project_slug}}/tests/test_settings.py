"""The settings keep the web tier stateless and the API's stack small."""

from pathlib import Path

from django.conf import settings
from django.test import Client

SETTINGS_DIR = Path(__file__).resolve().parent.parent / "config" / "settings"


def test_the_request_context_comes_first_so_that_it_times_the_whole_stack():
    assert settings.MIDDLEWARE[0].endswith(".RequestContextMiddleware")


def test_common_middleware_is_left_out():
    # APPEND_SLASH redirects and the user-agent blacklist are of no use to an API client.
    assert "django.middleware.common.CommonMiddleware" not in settings.MIDDLEWARE


def test_no_session_table_exists():
    # Sessions, where there are any, live in Redis: no table to read on each request.
    assert "django.contrib.sessions" not in settings.INSTALLED_APPS


def test_an_anonymous_request_sets_no_cookie():
    response = Client().get("/healthz")
    assert response.cookies == {}


def test_the_cache_gives_up_on_an_unresponsive_redis_within_a_second():
    # That an unreachable Redis turns into misses is test_cache.py's to prove.
    cache = settings.CACHES["default"]
    assert cache["OPTIONS"]["SOCKET_CONNECT_TIMEOUT"] <= 1
    assert cache["OPTIONS"]["SOCKET_TIMEOUT"] <= 1


def test_the_api_renders_json_only():
    # The browsable API is added by config/settings/dev.py alone.
    rest = settings.REST_FRAMEWORK
    assert rest["DEFAULT_RENDERER_CLASSES"] == ["rest_framework.renderers.JSONRenderer"]


def test_production_never_imports_the_development_settings():
    source = (SETTINGS_DIR / "production.py").read_text()
    assert "settings.dev" not in source
    assert "DEBUG = True" not in source
