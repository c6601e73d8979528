{%- set sessions = cookiecutter.auth == "session" or cookiecutter.use_admin -%}
"""The settings are the ones the chosen options promise."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import Client

PROJECT_DIR = Path(__file__).resolve().parent.parent

HAS_SESSIONS = {{ "True" if sessions else "False" }}
HAS_ADMIN = {{ "True" if cookiecutter.use_admin else "False" }}
HAS_READ_REPLICA = {{ "True" if cookiecutter.read_replica else "False" }}
HAS_PROMETHEUS = {{ "True" if cookiecutter.use_prometheus else "False" }}

SESSION_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ADMIN_MIDDLEWARE = [
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]


def test_middleware_is_the_smallest_stack_for_the_options():
    # Request id, timing and query counting first, so that they see the whole stack.
    observability = ["{{ cookiecutter.project_slug }}.core.middleware.RequestContextMiddleware"]
    if HAS_PROMETHEUS:
        observability.append("{{ cookiecutter.project_slug }}.core.metrics.PrometheusMiddleware")
    first = [*observability, "django.middleware.security.SecurityMiddleware"]
    assert settings.MIDDLEWARE[: len(first)] == first
    for middleware in SESSION_MIDDLEWARE:
        assert (middleware in settings.MIDDLEWARE) is HAS_SESSIONS
    for middleware in ADMIN_MIDDLEWARE:
        assert (middleware in settings.MIDDLEWARE) is HAS_ADMIN
    # The admin adds whitenoise too; a read replica adds read-your-writes.
    expected_size = len(first) + 3 * HAS_SESSIONS + 3 * HAS_ADMIN + HAS_READ_REPLICA
    # django-zeal's N+1 check runs in the tests and in development only.
    stack = [m for m in settings.MIDDLEWARE if not m.startswith("zeal.")]
    assert len(stack) == expected_size


def test_common_middleware_is_left_out():
    # APPEND_SLASH redirects and the user-agent blacklist are of no use to an API client.
    assert "django.middleware.common.CommonMiddleware" not in settings.MIDDLEWARE


def test_sessions_exist_only_where_the_options_need_them():
    # The cache backend needs no sessions app: there is no session table to migrate or query.
    assert "django.contrib.sessions" not in settings.INSTALLED_APPS
    if HAS_SESSIONS:
        assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cache"
        assert settings.CACHES[settings.SESSION_CACHE_ALIAS]["BACKEND"].startswith("django_redis")


def test_an_anonymous_request_sets_no_cookie():
    response = Client().get("/healthz")
    assert response.cookies == {}


def test_cache_is_redis_and_survives_a_redis_outage():
    cache = settings.CACHES["default"]
    assert cache["BACKEND"] == "django_redis.cache.RedisCache"
    assert cache["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    assert cache["OPTIONS"]["SOCKET_CONNECT_TIMEOUT"] <= 1
    assert cache["OPTIONS"]["SOCKET_TIMEOUT"] <= 1


def test_api_renders_json_only():
    # The browsable API is added by config/settings/dev.py alone.
    rest = settings.REST_FRAMEWORK
    assert rest["DEFAULT_RENDERER_CLASSES"] == ["rest_framework.renderers.JSONRenderer"]


def test_api_paginates_and_throttles_through_the_cache():
    rest = settings.REST_FRAMEWORK
    assert rest["DEFAULT_PAGINATION_CLASS"].endswith("CursorPagination")
    assert set(rest["DEFAULT_THROTTLE_RATES"]) == {
        "anon",
        "user",
        "login_address",
        "login_username",
    }
    assert rest["DEFAULT_THROTTLE_CLASSES"]


def test_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "p" * 10 + "production-secret-key-with-enough-entropy-0123456789",
        "DJANGO_ALLOWED_HOSTS": "api.example.com",
    }
    env.pop("DJANGO_SECURE_SSL_REDIRECT", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_never_imports_the_development_settings():
    source = (PROJECT_DIR / "config" / "settings" / "production.py").read_text()
    assert "settings.dev" not in source
    assert "DEBUG = True" not in source
