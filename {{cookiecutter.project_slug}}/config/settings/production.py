"""Production: everything from the environment, nothing insecure by default.

`manage.py check --deploy --fail-level WARNING` passes with these settings and a production
environment: a real secret key, the hosts, and HTTPS (DJANGO_SECURE_SSL_REDIRECT left true).
The generated .env turns the redirect off for compose on http://localhost, and there the check
reports security.W008 (no HTTPS redirect), as it should.
"""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import LOGGING, env

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
# Signs sessions, password-reset links and the read-your-writes cookie: an empty, short or
# placeholder key would let anyone forge them, so the process refuses to start with one.
# 50 characters and 5 distinct ones are what Django's own check (security.W009) asks for.
if (
    len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
    or SECRET_KEY.startswith("django-insecure")
    or "change-me" in SECRET_KEY
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be a random string of at least 50 characters, not empty and "
        'not a placeholder. Make one with: python -c "import secrets; '
        'print(secrets.token_urlsafe(50))"'
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

# JSON lines on stderr for the log shipper; each request's line carries its id
# (X-Request-ID), method, route, status, duration and query count.
LOGGING = {
    **LOGGING,
    "handlers": {
        **LOGGING["handlers"],
        "console": {"class": "logging.StreamHandler", "formatter": "json"},
    },
}

# nginx terminates TLS and says so in X-Forwarded-Proto; the web service is not published.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Probes and the metrics scraper talk plain HTTP to the container, inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# HSTS makes browsers refuse plain HTTP to this host (and its subdomains) for max-age seconds,
# which cannot be taken back before it expires. Start at 60 s; once HTTPS works everywhere,
# raise it step by step: 86400 (a day), 604800 (a week), 31536000 (a year). Preloading ships
# the rule inside browsers for months: set DJANGO_SECURE_HSTS_PRELOAD=true only at a year.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is off until max-age reaches a year (see above).
    "security.W021",
{%- if cookiecutter.__sessions != "yes" %}
    # No cookie authenticates a request (tokens travel in the Authorization header), so there
    # is nothing for CsrfViewMiddleware to protect.
    "security.W003",
{%- endif %}
{%- if not cookiecutter.use_admin %}
    # Every response is JSON, which a browser does not render in a frame.
    "security.W002",
{%- endif %}
]
{%- if cookiecutter.use_prometheus %}

# /metrics wants `Authorization: Bearer <METRICS_TOKEN>`; without a token it is not served
# (404), so it is never open to whatever routes to it. The generated .env has a fresh token.
METRICS_WITHOUT_TOKEN = False
{%- endif %}
