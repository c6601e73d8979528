"""Log records as JSON lines, for production's log shipper.

Every line carries the time, level, logger and message, the id of the request being served
(when there is one) and whatever the call site passed in `extra=`: the access log's method,
route, status, duration and query count, the slow-query log's SQL and duration.
"""

import logging
from contextvars import ContextVar
from datetime import UTC, datetime

import orjson

# Set by RequestContextMiddleware for the duration of each request, so that every line logged
# while serving it (slow queries, errors, the app's own logs) names the request.
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)

# What every LogRecord has; anything else on a record came from `extra=`.
STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id.get()
        if request_id is not None:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in STANDARD_ATTRIBUTES:
                entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: Django passes objects such as the request in `extra`.
        return orjson.dumps(entry, default=str).decode()
