"""Local development: DEBUG, the browsable API, and every SQL query logged with its duration.

Queries slower than SLOW_QUERY_MS (30 ms by default) are logged again at WARNING, marked SLOW.
Production settings never import this module.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "django-insecure-local-development-only")

from config.settings.base import *  # noqa: F403
from config.settings.base import LOGGING, REST_FRAMEWORK, env

DEBUG = True
SECRET_KEY = env("DJANGO_SECRET_KEY")

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

# 30 ms: a query that slow, run once per request, caps a worker thread near 30 requests/s.
SLOW_QUERY_MS = env.int("SLOW_QUERY_MS", default=30)

LOGGING = {
    **LOGGING,
    "filters": {
        "sql_duration": {
            "()": "{{ cookiecutter.project_slug }}.core.sql_logging.QueryDurationFilter",
            "slow_ms": SLOW_QUERY_MS,
        },
    },
    "formatters": {
        **LOGGING["formatters"],
        "sql": {
            "format": "{levelname:7} {duration_ms:8.2f} ms  {sql}  args={params}",
            "style": "{",
        },
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
