"""Settings shared by every environment, read from the environment.

dev.py, test.py and production.py start from these. Nothing here reads a file at import time:
configuration arrives as environment variables (see .env.example for the full list).
"""

{% if cookiecutter.auth == "jwt" %}from datetime import timedelta
{% endif %}from pathlib import Path
from typing import Any

import environ

# How connections are reused (PgBouncer, a pool or persistent connections) is decided there.
from config.settings.components.database import DATABASES as DATABASES
{%- if cookiecutter.background_tasks == "postgres" %}

# Background jobs: the queue's settings and its workers' (Procrastinate).
from config.settings.components.jobs import *  # noqa: F403
{%- endif %}
{%- if cookiecutter.read_replica %}

# Adds the "replica" alias when DATABASE_REPLICA_URL is set, and the router that reads from it.
from config.settings.components.replica import *  # noqa: F403
{%- endif %}

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# SECRET_KEY comes from each environment's module: production.py requires it.
DEBUG = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])

INSTALLED_APPS = [
{%- if cookiecutter.use_admin %}
    "django.contrib.admin",
    "django.contrib.messages",
{%- endif %}
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    # Its migrate and makemigrations commands, which know pre-deploy from post-deploy
    # migrations (README, "Migrations").
    "syzygy",
    "rest_framework",
{%- if cookiecutter.auth == "token" %}
    "rest_framework.authtoken",
{%- endif %}
{%- if cookiecutter.use_openapi %}
    "drf_spectacular",
    # Swagger UI's JavaScript and CSS, pinned with drf-spectacular and served as static files:
    # the docs page loads nothing from a CDN.
    "drf_spectacular_sidecar",
{%- endif %}
{%- if cookiecutter.background_tasks == "postgres" %}
    # The job queue's tables (migrations), `manage.py procrastinate`, and the app that defers.
    "procrastinate.contrib.django",
{%- endif %}
    "{{ cookiecutter.project_slug }}.core",
    "{{ cookiecutter.project_slug }}.accounts",
{%- if cookiecutter.example_api %}
    "{{ cookiecutter.project_slug }}.catalog",
{%- endif %}
]

# The smallest stack that serves this API: every entry runs on every request.
MIDDLEWARE = [
    # First, to time the whole stack: request id, query count and DB time, slow-query warnings,
    # one access-log line and Server-Timing.
    "{{ cookiecutter.project_slug }}.core.observability.request_context.RequestContextMiddleware",
{%- if cookiecutter.use_prometheus %}
    # Counts the request in /metrics by route and status, with the queries counted above.
    "{{ cookiecutter.project_slug }}.core.observability.metrics.PrometheusMiddleware",
{%- endif %}
    # HSTS, nosniff and the HTTPS redirect: a few header writes, no I/O.
    "django.middleware.security.SecurityMiddleware",
    # Cache-Control: private and no-store unless a view says otherwise, and never Vary: Cookie.
    "{{ cookiecutter.project_slug }}.core.api.cache_control.CacheControlMiddleware",
{%- if cookiecutter.__static_files == "yes" %}
    # Serves the static files{% if cookiecutter.use_openapi %} (the API docs' among them){% endif %} from the app image, so the stateless
    # web tier needs no shared volume with nginx.
    "whitenoise.middleware.WhiteNoiseMiddleware",
{%- endif %}
{%- if cookiecutter.read_replica %}
    # Reads go to the primary for a client that wrote in the last few seconds: one HMAC check
    # of a cookie or header, no I/O. Before authentication, whose reads it routes too.
    "{{ cookiecutter.project_slug }}.core.replica.read_your_writes.ReadYourWritesMiddleware",
{%- endif %}
{%- if cookiecutter.__sessions == "yes" %}
    # One Redis GET per request that carries a session cookie, none for the others.
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Cookies authenticate these requests, so forms posted from other sites must be refused.
    "django.middleware.csrf.CsrfViewMiddleware",
    # Sets request.user from the session; DRF's SessionAuthentication reads it from there.
    "django.contrib.auth.middleware.AuthenticationMiddleware",
{%- endif %}
{%- if cookiecutter.use_admin %}
    # The admin reports "saved" and errors through messages, and is an HTML page that must not
    # be framed by another site.
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
{%- endif %}
]

ROOT_URLCONF = "config.urls"
{%- if cookiecutter.example_api %}
# The largest request body, in bytes: 5,000 products (MAX_BULK_ROWS) with names and
# descriptions are about 3.4 MB of JSON. nginx allows exactly this much on products/bulk/
# (client_max_body_size 4m) and 1 MB elsewhere; a larger body gets a JSON 413 naming it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024
{%- else %}
# The largest request body, in bytes: nginx's client_max_body_size (1m), so that both refuse
# the same bodies; a larger one gets a JSON 413 naming the limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
{%- endif %}
# A failed CSRF check answers in the API's JSON error shape, not Django's HTML page.
CSRF_FAILURE_VIEW = "{{ cookiecutter.project_slug }}.core.api.errors.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
{%- if cookiecutter.use_admin %}
                "django.contrib.messages.context_processors.messages",
{%- endif %}
            ],
        },
    },
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A custom user from the first migration: swapping it once tables point at auth.User means
# rewriting migrations by hand (accounts/models.py).
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
REDIS_POOL = "{{ cookiecutter.project_slug }}.core.redis_breaker.BreakerConnectionPool"
{%- if cookiecutter.use_prometheus %}
REDIS_CLIENT = "{{ cookiecutter.project_slug }}.core.observability.metrics.MeteredRedisClient"
{%- endif %}
REDIS_OPTIONS = {
    # A dead Redis must cost a request milliseconds, not the 30 s worker timeout.
    "SOCKET_CONNECT_TIMEOUT": 0.5,
    "SOCKET_TIMEOUT": 0.5,
    # And a hung one too: after a timeout, the process stops calling it for 5 s.
    "CONNECTION_POOL_CLASS": REDIS_POOL,
    # Each worker process keeps this many sockets to Redis, shared by its threads.
    "CONNECTION_POOL_KWARGS": {"max_connections": 20, "health_check_interval": 30},
}
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {
            **REDIS_OPTIONS,
            # A cache outage degrades to reading the database instead of answering 500s;
            # each swallowed error is still logged (DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS).
            "IGNORE_EXCEPTIONS": True,
{%- if cookiecutter.use_prometheus %}
            # Counts hits and misses for /metrics: one counter increment per read.
            "CLIENT_CLASS": REDIS_CLIENT,
{%- endif %}
        },
        "KEY_PREFIX": "{{ cookiecutter.project_slug }}",
        "TIMEOUT": 300,
    },
    # What must not be evicted: the rate-limit counters (core/api/throttling.py), in a Redis of
    # its own that never evicts. In the cache's, a flood of distinct pages would evict the least
    # recently used keys, a login's lockout counter among them. Errors are raised, not ignored:
    # the throttles let requests through while it is down, and log it.
{%- if cookiecutter.__sessions == "yes" %}
    # The sessions live here too: a session that could not be saved must not pass for saved.
{%- endif %}
    "state": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": env("STATE_REDIS_URL", default=REDIS_URL),
        "OPTIONS": REDIS_OPTIONS,
        "KEY_PREFIX": "{{ cookiecutter.project_slug }}",
    },
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
{%- if cookiecutter.__sessions == "yes" %}

# Sessions live only in Redis: no session table to read on each request, and any web process
# can serve any user. The "state" Redis keeps its data on disk (appendonly in compose).
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SESSION_CACHE_ALIAS = "state"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 14)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
{%- endif %}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
{%- if cookiecutter.auth == "token" %}
        "{{ cookiecutter.project_slug }}.accounts.authentication.TokenAuthentication",
{%- elif cookiecutter.auth == "jwt" %}
        "{{ cookiecutter.project_slug }}.accounts.authentication.JWTAuthentication",
{%- else %}
        "{{ cookiecutter.project_slug }}.accounts.authentication.SessionAuthentication",
{%- endif %}
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # JSON only: the browsable API renders HTML forms (and runs extra queries) on every request.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's, with the body size and nesting bounded: a 413 or a 400, never a 500.
    "DEFAULT_PARSER_CLASSES": ["{{ cookiecutter.project_slug }}.core.api.parsers.JSONParser"],
    # One error shape for every status (core/api/errors.py).
    "EXCEPTION_HANDLER": "{{ cookiecutter.project_slug }}.core.api.errors.exception_handler",
    # Cursor pagination costs the same at page 1 and page 10,000: no OFFSET, no COUNT(*).
    "DEFAULT_PAGINATION_CLASS": "{{ cookiecutter.project_slug }}.core.api.pagination.CursorPagination",
    # One counter per client in Redis, shared by every web process: one round trip a request,
    # where DRF's AnonRateThrottle and UserRateThrottle take four (core/api/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "{{ cookiecutter.project_slug }}.core.api.throttling.RequestRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON_RATE", default="100/minute"),
        "user": env("THROTTLE_USER_RATE", default="1000/minute"),
        # A login hashes the password: about 0.5 s of CPU with Django's 1,000,000 PBKDF2
        # iterations. 20 a minute from one address, 5 for one username from one address and
        # 100 for one username in all keep guessing slow and CPU for everyone, without letting
        # one address lock a user out (accounts/throttling.py).
        "login_address": env("THROTTLE_LOGIN_ADDRESS_RATE", default="20/minute"),
        "login_username": env("THROTTLE_LOGIN_USERNAME_RATE", default="5/minute"),
        "login_username_total": env("THROTTLE_LOGIN_USERNAME_TOTAL_RATE", default="100/minute"),
{%- if cookiecutter.auth != "session" %}
        # Requests whose credentials fail, per address: DRF authenticates before it throttles,
        # so these are counted apart (core/api/authentication.py).
        "bad_credentials": env("THROTTLE_BAD_CREDENTIALS_RATE", default="20/minute"),
{%- endif %}
    },
    # Proxies in front of gunicorn that set X-Forwarded-For: the throttles key on the address
    # that many hops back. 1 is the bundled nginx (and a Kubernetes ingress), which writes the
    # client's address, taken from the load balancers it trusts (TRUSTED_PROXIES) and from no
    # one else: a client's own X-Forwarded-For buys it no fresh budget.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=1),
{%- if cookiecutter.use_openapi %}
    # drf-spectacular's, with each operation's error statuses and the rules the API enforces.
    "DEFAULT_SCHEMA_CLASS": "{{ cookiecutter.project_slug }}.core.api.openapi.AutoSchema",
{%- endif %}
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
{%- if cookiecutter.auth == "jwt" %}

SIMPLE_JWT = {
    # Short-lived access tokens are checked without a database query; refresh tokens renew them.
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_ACCESS_SECONDS", default=300)),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_REFRESH_SECONDS", default=86400)),
    "AUTH_HEADER_TYPES": ("Bearer",),
}
{%- endif %}
{%- if cookiecutter.use_openapi %}

SPECTACULAR_SETTINGS = {
    "TITLE": {{ cookiecutter.project_name|quoted }},
    "DESCRIPTION": {{ cookiecutter.description|quoted }},
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}
{%- endif %}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

{%- if cookiecutter.example_api %}

# The release of the code running (the image's commit, Dockerfile): the catalog's responses are
# cached per release, so a deploy that changes their shape never serves the old ones.
RELEASE = env("RELEASE", default="")
{%- endif %}

# Answers that are the same for every anonymous caller (the catalog's) may be kept this long
# by nginx's cache, a CDN or a browser, and served this much longer while one refreshes them:
# a write reaches anonymous readers within PUBLIC_CACHE_SECONDS and one refresh.
PUBLIC_CACHE_SECONDS = env.int("PUBLIC_CACHE_SECONDS", default=5)
PUBLIC_STALE_SECONDS = env.int("PUBLIC_STALE_SECONDS", default=30)

# A query this slow, run once per request, caps a worker thread near 30 requests/s: each one is
# logged at WARNING with the request's path, in every environment (core/observability/).
SLOW_QUERY_MS = env.int("SLOW_QUERY_MS", default=30)
# Server-Timing shows the DB time, query count and total time in the browser's dev tools. Off
# unless asked for outside dev: it tells any client how long the database took.
SERVER_TIMING = env.bool("SERVER_TIMING", default=False)
{%- if cookiecutter.use_prometheus %}
# When set, /metrics wants `Authorization: Bearer <token>`; nginx never forwards it anyway.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Outside production (runserver, the tests) /metrics is served without a token when none is
# set; production.py turns that off.
METRICS_WITHOUT_TOKEN = True
{%- endif %}

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name} {message}", "style": "{"},
        # One JSON object per line, with the request id (production.py uses it).
        "json": {"()": "{{ cookiecutter.project_slug }}.core.observability.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
