"""Development's SQL log: one line per statement, with its duration, cut to a readable length."""

import logging

# Enough to recognise a statement; a bulk insert or an IN list of 2,000 ids runs to pages.
MAX_STATEMENT_LENGTH = 200


class QueryDurationFilter(logging.Filter):
    """Gives django.db.backends records `duration_ms` and `statement` (the SQL on one line, cut
    to MAX_STATEMENT_LENGTH), and raises a slow query to WARNING, marked SLOW."""

    def __init__(self, slow_ms: float = 30) -> None:
        super().__init__()
        self.slow_ms = slow_ms

    def filter(self, record: logging.LogRecord) -> bool:
        sql = str(getattr(record, "sql", None) or record.getMessage())
        statement = " ".join(sql.split())
        if len(statement) > MAX_STATEMENT_LENGTH:
            statement = statement[: MAX_STATEMENT_LENGTH - 1] + "…"
        record.statement = statement
        # The schema editor's records (migrations) carry no duration.
        duration = getattr(record, "duration", None)
        duration_ms = 0.0 if duration is None else duration * 1000
        record.duration_ms = duration_ms
        if duration_ms >= self.slow_ms:
            record.levelno, record.levelname = logging.WARNING, "SLOW"
        return True
