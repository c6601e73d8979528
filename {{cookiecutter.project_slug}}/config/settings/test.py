"""Settings for the test suite: the real PostgreSQL and Redis, on local defaults.

Every default can be overridden from the environment, as in production.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-that-is-long-enough-for-hmac")
# Redis database 1, so the suite never touches the development data in database 0.
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
# Tests send many requests from one client; production rates would throttle them.
os.environ.setdefault("THROTTLE_ANON_RATE", "100000/minute")
os.environ.setdefault("THROTTLE_USER_RATE", "100000/minute")
os.environ.setdefault("THROTTLE_LOGIN_ADDRESS_RATE", "100000/minute")
os.environ.setdefault("THROTTLE_LOGIN_USERNAME_RATE", "100000/minute")
{%- if cookiecutter.auth != "session" %}
os.environ.setdefault("THROTTLE_BAD_CREDENTIALS_RATE", "100000/minute")
{%- endif %}
{%- if cookiecutter.use_opentelemetry %}
# No collector runs beside the tests: the servers they start export no spans unless a test
# sends them to one of its own (a worker would spend up to 10 s retrying at each exit).
os.environ.setdefault("OTEL_TRACES_EXPORTER", "none")
{%- endif %}

from config.settings.base import *  # noqa: F403
from config.settings.base import INSTALLED_APPS, MIDDLEWARE, env

SECRET_KEY = env("DJANGO_SECRET_KEY")

# The default hasher runs 1,000,000 PBKDF2 iterations per login on purpose; tests log in often.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A query per row for a relation that no select_related/prefetch_related loaded (an N+1) fails
# the request that ran it, so the test that sent the request fails too (django-zeal).
INSTALLED_APPS = [*INSTALLED_APPS, "zeal"]
MIDDLEWARE = [*MIDDLEWARE, "zeal.middleware.zeal_middleware"]
ZEAL_RAISE = True

# `manage.py lintmigrations`, which tests/test_migrations.py runs (its options: pyproject.toml).
INSTALLED_APPS += ["django_migration_linter"]
