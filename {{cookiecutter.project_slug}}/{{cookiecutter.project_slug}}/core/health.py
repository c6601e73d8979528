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


# What the process can serve without. While a read replica is down the router reads from the
# primary: a 503 would take every web process out of the load balancer at once and turn lost
# read capacity into an outage, so the replica's failure is reported as "degraded", with 200.
OPTIONAL_CHECKS = {"database:replica"}


def readyz(request):
    """The process can serve traffic: every database and Redis it needs answers."""
    checks = {}
    for alias in connections:
        checks[f"database:{alias}" if alias != "default" else "database"] = _check_database(alias)
    for alias, cache in settings.CACHES.items():
        if cache["BACKEND"].startswith("django_redis."):
            checks["redis" if alias == "default" else f"redis:{alias}"] = _check_redis(alias)

    failed = sorted(name for name, error in checks.items() if error)
    body = {name: error or "ok" for name, error in checks.items()}
    if set(failed) - OPTIONAL_CHECKS:
        return JsonResponse({"status": "unavailable", "failed": failed, **body}, status=503)
    if failed:
        return JsonResponse({"status": "degraded", "degraded": failed, **body})
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
