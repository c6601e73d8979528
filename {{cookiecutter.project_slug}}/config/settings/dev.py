"""Local development: DEBUG, the browsable API, and every SQL query logged with its duration.

A query slower than SLOW_QUERY_MS (30 ms by default) is logged at WARNING, marked SLOW.
Production settings never import this module.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "django-insecure-local-development-only")

from config.settings.base import *  # noqa: F403
from config.settings.base import (
    INSTALLED_APPS,
    LOGGING,
    MIDDLEWARE,
    REST_FRAMEWORK,
    SLOW_QUERY_MS,
    env,
)

DEBUG = True
SECRET_KEY = env("DJANGO_SECRET_KEY")
# DB time, query count and total time of every response, in the browser's dev tools.
SERVER_TIMING = True

# A query per row for a relation that no select_related/prefetch_related loaded (an N+1) raises
# NPlusOneError in the request that ran it, naming the relation and the line (django-zeal).
INSTALLED_APPS = [*INSTALLED_APPS, "zeal"]
MIDDLEWARE = [*MIDDLEWARE, "zeal.middleware.zeal_middleware"]
ZEAL_RAISE = True

# `manage.py lintmigrations`, which tests/test_migrations.py runs (its options: pyproject.toml).
INSTALLED_APPS += ["django_migration_linter"]

REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}

LOGGING = {
    **LOGGING,
    "filters": {
        "sql_duration": {
            "()": "{{ cookiecutter.project_slug }}.core.observability.sql_logging.QueryDurationFilter",
            "slow_ms": SLOW_QUERY_MS,
        },
    },
    "formatters": {
        **LOGGING["formatters"],
        "sql": {"format": "{levelname:5} {duration_ms:7.1f} ms  {statement}", "style": "{"},
    },
    "handlers": {
        **LOGGING["handlers"],
        "sql": {"class": "logging.StreamHandler", "formatter": "sql", "filters": ["sql_duration"]},
    },
    "loggers": {
        # Django logs every query here at DEBUG level, but only while DEBUG is on.
        "django.db.backends": {"handlers": ["sql"], "level": "DEBUG", "propagate": False},
    },
}
