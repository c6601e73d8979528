"""What every request reports about itself: its id, its duration and its SQL.

One middleware, first in the stack, does all of it; its only I/O is the log line:

- a request id, taken from X-Request-ID when nginx (or a client) sent a sane one, generated
  otherwise, echoed in the response and stamped on every log line of the request;
- the number of SQL queries and the time spent in them, from an execute_wrapper on every
  database connection, which also logs each query slower than SLOW_QUERY_MS (query_stats.py);
- one access-log line: method, path, route, status, duration, queries and DB time;
- a Server-Timing header with the DB time, query count and total time, for the browser's dev
  tools, when SERVER_TIMING is on (always in dev).
"""

import contextlib
import logging
import re
import secrets
import time

from django.conf import settings
from django.db import connections

from .logs import current_request_id
from .query_stats import QueryStats

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
# nginx's $request_id is 32 hex digits; clients often send UUIDs. Anything else (too long, or
# with spaces, quotes or newlines that could forge log lines) is replaced by a fresh id.
VALID_REQUEST_ID = re.compile(r"[\w.:/+=@-]{1,128}", re.ASCII)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request_id = request.headers.get(REQUEST_ID_HEADER, "")
        if not VALID_REQUEST_ID.fullmatch(request_id):
            request_id = secrets.token_hex(16)  # 32 hex digits, like nginx's
        request.request_id = request_id
        token = current_request_id.set(request_id)
        # Read by PrometheusMiddleware, and by any view that wants its own query count.
        stats = QueryStats(request.method, request.path, settings.SLOW_QUERY_MS)
        request.query_stats = stats
        try:
            with contextlib.ExitStack() as wrappers:
                for alias in settings.DATABASES:
                    wrappers.enter_context(connections[alias].execute_wrapper(stats))
                response = self.get_response(request)
            duration_ms = (time.perf_counter() - started) * 1000
            db_ms = stats.db_seconds * 1000

            response[REQUEST_ID_HEADER] = request_id
            if settings.SERVER_TIMING:
                queries = "1 query" if stats.queries == 1 else f"{stats.queries} queries"
                response["Server-Timing"] = (
                    f'db;dur={db_ms:.2f};desc="{queries}", total;dur={duration_ms:.2f}'
                )
            self._log(request, response.status_code, duration_ms, stats.queries, db_ms)
            return response
        finally:
            current_request_id.reset(token)

    @staticmethod
    def _log(request, status: int, duration_ms: float, queries: int, db_ms: float) -> None:
        match = request.resolver_match
        logger.info(
            "%s %s %s %.1f ms, SQL: %d in %.1f ms",
            request.method,
            request.path,
            status,
            duration_ms,
            queries,
            db_ms,
            extra={
                "method": request.method,
                "path": request.path,
                # The URL pattern ("api/v1/products/<int:pk>/"), to group requests by
                # endpoint; None when no pattern matched (a 404, a redirect to HTTPS).
                "route": match.route if match else None,
                "status": status,
                "duration_ms": round(duration_ms, 2),
                "db_queries": queries,
                "db_ms": round(db_ms, 2),
            },
        )
