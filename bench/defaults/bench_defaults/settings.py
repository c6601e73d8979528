"""`django-admin startproject` settings, plus the few lines a team adds for DRF.

Everything a scaling guide would change is left at Django's and DRF's defaults: the seven
middleware of startproject, database-backed sessions, a new database connection per request
(CONN_MAX_AGE=0), straight to PostgreSQL, no cache, DRF's default renderers and parsers.

Only the environment (DATABASE_URL, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS) and the name of
the generated project's package (BENCH_PROJECT_PACKAGE), whose catalog models are reused, come
from outside.
"""

import importlib.util
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_PACKAGE = os.environ["BENCH_PROJECT_PACKAGE"]

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    # The project's core holds what its catalog's views import (the Idempotency-Key table).
    f"{PROJECT_PACKAGE}.core",
    f"{PROJECT_PACKAGE}.accounts",
    f"{PROJECT_PACKAGE}.catalog",
]
# The generated project's user model: its orders point at it, and both servers share the tables.
AUTH_USER_MODEL = "accounts.User"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bench_defaults.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_database = urlsplit(os.environ["DATABASE_URL"])
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _database.path.lstrip("/"),
        "USER": unquote(_database.username or ""),
        "PASSWORD": unquote(_database.password or ""),
        "HOST": _database.hostname or "",
        "PORT": str(_database.port or ""),
        # CONN_MAX_AGE is left at its default, 0: a new connection for every request.
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_jwt = importlib.util.find_spec("rest_framework_simplejwt") is not None

# What DRF's tutorial adds: tokens for API clients, and pages, since an unpaginated list of
# 10,000 products is not an API anyone ships. Renderers, parsers, permissions and throttling
# stay at DRF's defaults.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        # A JWT project's clients log in at the template's server: accept its tokens here too.
        *(["rest_framework_simplejwt.authentication.JWTAuthentication"] if _jwt else []),
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
}
