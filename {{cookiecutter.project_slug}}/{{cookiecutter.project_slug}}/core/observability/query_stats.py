"""Counts and times every SQL query of a request, and logs the slow ones.

An execute_wrapper sees each query as it runs, in every environment, without DEBUG (which makes
Django keep every query in memory) and without the per-query logging of dev settings.
"""

import logging
import time

logger = logging.getLogger(__name__)

# A bulk insert's SQL can run to megabytes; the start of it is enough to recognise the query.
MAX_SQL_LENGTH = 2000


class QueryStats:
    """An execute_wrapper for the connections of one request (see RequestContextMiddleware).

    Queries are logged without their parameters, which may hold personal data or secrets.
    """

    __slots__ = ("db_seconds", "method", "path", "queries", "slow_seconds")

    def __init__(self, method: str, path: str, slow_ms: float) -> None:
        self.method = method
        self.path = path
        self.slow_seconds = slow_ms / 1000
        self.queries = 0
        self.db_seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.queries += 1
            self.db_seconds += elapsed
            if elapsed >= self.slow_seconds:
                self._log_slow(sql, elapsed, context["connection"].alias)

    def _log_slow(self, sql: str, seconds: float, alias: str) -> None:
        if len(sql) > MAX_SQL_LENGTH:
            sql = sql[:MAX_SQL_LENGTH] + "..."
        duration_ms = round(seconds * 1000, 2)
        logger.warning(
            "Slow query (%.1f ms) on %s %s: %s",
            duration_ms,
            self.method,
            self.path,
            sql,
            extra={
                "duration_ms": duration_ms,
                "method": self.method,
                "path": self.path,
                "sql": sql,
                "database": alias,
            },
        )
