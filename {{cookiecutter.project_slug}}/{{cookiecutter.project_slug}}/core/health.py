"""Liveness and readiness probes.

Plain Django views rather than DRF ones: a probe runs every few seconds on every replica, and
needs no authentication, throttling or content negotiation.
"""

import logging

from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django_redis import get_redis_connection
{%- if cookiecutter.read_replica %}

from {{ cookiecutter.project_slug }}.core.replica.router import REPLICA, replica_health
{%- endif %}

logger = logging.getLogger(__name__)


def healthz(request):
    """The process answers HTTP. Touches neither the database nor Redis, so a database outage
    does not make the orchestrator restart every web process at once."""
    return JsonResponse({"status": "ok"})


# The one dependency this process cannot serve without. Every other one is optional: while
# the cache's Redis is down reads come from the database (IGNORE_EXCEPTIONS), and while a read
# replica is down the router reads from the primary. Every replica would fail a probe on a
# shared dependency at once, so a 503 for one of them would empty the load balancer and turn
# lost speed into an outage: they are reported as "degraded", with 200.
REQUIRED = {"database"}


def readyz(request):
    """The process can serve traffic: 503 only while its database does not answer."""
    checks = {"database": _check_database("default")}
{%- if cookiecutter.read_replica %}
    if REPLICA in connections:
        # What the router knows, without asking: a standby behind PgBouncer holds a query until
        # PgBouncer's query_wait_timeout, longer than the probe would wait.
        checks["database:replica"] = None if replica_health.usable() else "NotAnswering"
{%- endif %}
    for alias, cache in settings.CACHES.items():
        if cache["BACKEND"].startswith("django_redis."):
            checks["redis" if alias == "default" else f"redis:{alias}"] = _check_redis(alias)

    failed = sorted(name for name, error in checks.items() if error)
    body = {name: error or "ok" for name, error in checks.items()}
    if REQUIRED.intersection(failed):
        response = JsonResponse({"status": "unavailable", "failed": failed, **body}, status=503)
        response["Retry-After"] = "5"
        return response
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
