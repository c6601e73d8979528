"""Liveness and readiness probes.

Plain Django views rather than DRF ones: a probe runs every few seconds on every replica, and
needs no authentication, throttling or content negotiation.
"""

import logging

from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django_redis import get_redis_connection

logger = logging.getLogger(__name__)


def healthz(request):
    """The process answers HTTP. Touches neither the database nor Redis, so a database outage
    does not make the orchestrator restart every web process at once."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """The process can serve traffic: every database and Redis it uses answers."""
    checks = {}
    for alias in connections:
        checks[f"database:{alias}" if alias != "default" else "database"] = _check_database(alias)
    for alias, cache in settings.CACHES.items():
        if cache["BACKEND"].startswith("django_redis."):
            checks["redis" if alias == "default" else f"redis:{alias}"] = _check_redis(alias)

    failed = sorted(name for name, error in checks.items() if error)
    body = {name: error or "ok" for name, error in checks.items()}
    if failed:
        return JsonResponse({"status": "unavailable", "failed": failed, **body}, status=503)
    return JsonResponse({"status": "ok", **body})


def _check_database(alias: str) -> str | None:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        logger.warning("readyz: database %r unavailable: %s", alias, exc)
        return type(exc).__name__
    return None


def _check_redis(alias: str) -> str | None:
    # The raw client: the cache itself swallows Redis errors (IGNORE_EXCEPTIONS), a probe must not.
    try:
        get_redis_connection(alias).ping()
    except Exception as exc:
        logger.warning("readyz: redis %r unavailable: %s", alias, exc)
        return type(exc).__name__
    return None
