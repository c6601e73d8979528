{%- set sessions = cookiecutter.auth == "session" or cookiecutter.use_admin -%}
"""Production: everything from the environment, nothing insecure by default.

`manage.py check --deploy --fail-level WARNING` passes with these settings and a complete
environment (.env.example lists it).
"""

from config.settings.base import *  # noqa: F403
from config.settings.base import LOGGING, env

SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

# JSON lines for the log shipper; each request's line carries its id (X-Request-ID), method,
# route, status, duration and query count.
LOGGING = {
    **LOGGING,
    "handlers": {
        **LOGGING["handlers"],
        "console": {**LOGGING["handlers"]["console"], "formatter": "json"},
    },
}

# nginx terminates TLS and says so in X-Forwarded-Proto; the web service is not published.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Probes and the metrics scraper talk plain HTTP to the container, inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# One year, the minimum browsers' HSTS preload lists accept.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
{%- if not cookiecutter.use_admin %}

SILENCED_SYSTEM_CHECKS = [
{%- if not sessions %}
    # No cookie authenticates a request (tokens travel in the Authorization header), so there
    # is nothing for CsrfViewMiddleware to protect.
    "security.W003",
{%- endif %}
    # Every response is JSON, which a browser does not render in a frame.
    "security.W002",
]
{%- endif %}
