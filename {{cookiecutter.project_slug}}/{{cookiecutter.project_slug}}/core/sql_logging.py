import logging


class QueryDurationFilter(logging.Filter):
    """Adds `duration_ms` to django.db.backends records and raises slow queries to WARNING."""

    def __init__(self, slow_ms: float = 30) -> None:
        super().__init__()
        self.slow_ms = slow_ms

    def filter(self, record: logging.LogRecord) -> bool:
        duration = getattr(record, "duration", None)
        record.params = getattr(record, "params", None)
        if duration is None:  # the schema editor's records carry no duration
            record.duration_ms = 0.0
            record.sql = getattr(record, "sql", record.getMessage())
            return True
        record.duration_ms = duration * 1000
        if record.duration_ms >= self.slow_ms:
            record.levelno, record.levelname = logging.WARNING, "SLOW"
        return True
